"""Sign-in rate limiting: too many failures for one username, or from one address, lock out."""

import logging

import pytest
from django.urls import reverse

from conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_a_user_is_locked_out_after_repeated_failures_even_from_new_addresses(
    client, reader, caplog
):
    for n in range(3):
        assert _sign_in(client, "rolf", "wrong", ip=f"10.0.0.{n}").status_code in (200, 429)
    with caplog.at_level(logging.WARNING):
        response = _sign_in(client, "rolf", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("locked out" in record.getMessage() for record in caplog.records)


def test_an_address_is_locked_out_after_failures_for_many_usernames(client, reader):
    for name in ("a", "b", "c"):
        _sign_in(client, name, "wrong", ip="10.1.1.1")
    assert _sign_in(client, "rolf", PASSWORD, ip="10.1.1.1").status_code == 429
    # The same user from another address is not locked: only the address was.
    assert _sign_in(client, "rolf", PASSWORD, ip="10.2.2.2").status_code == 302


def test_a_success_before_the_limit_clears_the_failures(client, reader):
    _sign_in(client, "rolf", "wrong")
    _sign_in(client, "rolf", "wrong")
    assert _sign_in(client, "rolf", PASSWORD).status_code == 302
    client.logout()
    _sign_in(client, "rolf", "wrong")
    _sign_in(client, "rolf", "wrong")
    assert _sign_in(client, "rolf", PASSWORD).status_code == 302


def test_behind_the_proxy_the_proxys_forwarded_address_counts(client, reader, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for name in ("a", "b", "c"):
        client.post(
            LOGIN,
            {"username": name, "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.5.5.5",
        )
    # Another client behind the same proxy is not locked out.
    response = client.post(
        LOGIN,
        {"username": "rolf", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="10.6.6.6",
    )
    assert response.status_code == 302


def test_the_sign_in_page_still_works(client, reader):
    assert client.get(LOGIN).status_code == 200
    assert _sign_in(client, "rolf", PASSWORD)["Location"] == reverse("customers:list")
