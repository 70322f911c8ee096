"""What the API tests share: an API token per persona, and a token nobody was given."""

import pytest

from kunde.accounts.models import ApiToken


@pytest.fixture
def token_for(db):
    """token_for(user) -> the request headers that carry a fresh API token of that user."""

    def issue(user):
        _token, key = ApiToken.issue(user=user, name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return issue


@pytest.fixture
def wrong_token():
    return {"HTTP_AUTHORIZATION": "Bearer not-a-token-anyone-was-given"}
