"""Who gets into the API, and the OpenAPI document at /api/v1/openapi.json."""

import json

import pytest

from kunde.customers.models import Customer

OPENAPI = "/api/v1/openapi.json"
LIST = "/api/v1/customers"


@pytest.mark.parametrize("persona", ["admin", "finance", "manager", "reader"])
def test_every_role_reads_with_a_token(client, token_for, request, persona, customer):
    user = request.getfixturevalue(persona)
    response = client.get(LIST, **token_for(user))
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_a_session_is_enough(client_for, reader, customer):
    assert client_for(reader).get(LIST).status_code == 200


def test_without_credentials_the_answer_is_401_json_not_a_sign_in_redirect(client, db):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Sign in or send an API token."}


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Token abc", "Basic cm9sZjpwYXNzd29yZA=="],
)
def test_a_wrong_token_is_401(client, db, authorization):
    response = client.get(LIST, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_token_of_a_deactivated_user_is_401(client, token_for, manager):
    headers = token_for(manager)
    manager.is_active = False
    manager.save()
    assert client.get(LIST, **headers).status_code == 401


def test_a_reader_is_told_why_a_write_is_refused(client, token_for, reader):
    response = client.post(
        LIST, {"name": "Nei AS"}, content_type="application/json", **token_for(reader)
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role may read customers but not change them."}
    assert not Customer.objects.exists()


def test_malformed_json_is_refused(client, token_for, manager):
    response = client.post(LIST, "{not json", content_type="application/json", **token_for(manager))
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Customer.objects.exists()


def test_the_openapi_document_lists_the_customer_paths(client, token_for, reader):
    response = client.get(OPENAPI, **token_for(reader))
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/customers", "/api/v1/customers/{customer_id}"} <= set(document["paths"])
    assert set(document["paths"]["/api/v1/customers"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/customers/{customer_id}"]) == {"get", "patch"}
    properties = document["components"]["schemas"]["CustomerOut"]["properties"]
    assert {"organization_number", "account_manager", "version", "tags"} <= set(properties)
    assert {"TokenAuth", "SessionAuth"} <= set(document["components"]["securitySchemes"])


def test_the_openapi_document_is_there_for_a_session(client_for, reader):
    assert client_for(reader).get(OPENAPI).status_code == 200


def test_the_openapi_document_needs_credentials(client, wrong_token, db):
    for headers in ({}, wrong_token):
        response = client.get(OPENAPI, **headers)
        assert response.status_code == 401
        assert "detail" in response.json()
