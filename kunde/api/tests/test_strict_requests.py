"""Strict request handling: bodies are JSON objects with declared fields only, no NUL, no
number as a date; JSON 401/404 everywhere under /api/v1; error responses in the document."""

import json

import pytest
from django.test import Client

from kunde.customers.models import Customer
from kunde.invoices.models import InvoiceStatus

JSON = "application/json"


@pytest.mark.parametrize("body", ["false", '"x"', "[]", "1", "true"])
def test_a_body_that_is_no_object_is_422_and_issues_nothing(
    client, token_for, finance, draft, body
):
    response = client.post(
        f"/api/v1/invoices/{draft.pk}/issue", body, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"__all__": ["Send a JSON object."]}}
    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT


@pytest.mark.parametrize("body", ["", "null", "{}"])
def test_no_body_still_issues_with_defaults(client, token_for, finance, draft, body):
    response = client.post(
        f"/api/v1/invoices/{draft.pk}/issue", body, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 200


@pytest.mark.parametrize("body", ["null", "false", '"Ny AS"'])
def test_a_required_body_must_be_an_object(client, token_for, manager, body):
    response = client.post("/api/v1/customers", body, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert not Customer.objects.exists()


def test_a_date_as_a_number_is_refused(client, token_for, finance, draft):
    response = client.post(
        f"/api/v1/invoices/{draft.pk}/issue",
        {"issue_date": 0},
        content_type=JSON,
        **token_for(finance),
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"issue_date": ["Send a date as text: YYYY-MM-DD."]}}


def test_an_unknown_field_is_refused(client, token_for, manager):
    response = client.post(
        "/api/v1/customers",
        {"name": "Ny AS", "invoice_emial": "x@y.no"},
        content_type=JSON,
        **token_for(manager),
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["invoice_emial"]
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/customers", {"name": "Nul\x00AS"}, "name"),
        ("/api/v1/customers", {"name": "A", "tags": ["ok", "b\x00d"]}, "tags"),
    ],
)
def test_nul_in_a_text_field_is_422(client, token_for, manager, path, body, field):
    response = client.post(path, body, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert response.json()["errors"][field] == ["Text may not contain the NUL character (U+0000)."]
    assert not Customer.objects.exists()


def test_nul_in_an_invoice_line_names_the_line(client, token_for, finance, customer, company):
    line = {"description": "R\x00d", "unit_price_ore": 100}
    response = client.post(
        "/api/v1/invoices",
        {"customer": customer.pk, "lines": [line]},
        content_type=JSON,
        **token_for(finance),
    )
    assert response.status_code == 422
    assert "lines.0.description" in response.json()["errors"]


def test_nul_in_a_query_is_422(client, token_for, reader):
    response = client.get("/api/v1/customers?q=a%00b", **token_for(reader))
    assert response.status_code == 422
    assert "q" in response.json()["errors"]


def test_an_integer_beyond_the_database_is_422_in_a_query_and_404_in_a_path(
    client, token_for, reader, customer
):
    huge = 2**70
    query = client.get(f"/api/v1/payments?customer={huge}", **token_for(reader))
    assert query.status_code == 422 and "customer" in query.json()["errors"]
    path = client.get(f"/api/v1/customers/{customer.pk}/notes/{huge}", **token_for(reader))
    assert path.status_code == 404 and path.json() == {"detail": "No such object."}


def test_an_anonymous_post_is_401_json_not_a_csrf_403():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/api/v1/customers", {"name": "X"}, content_type=JSON)
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in or send an API token."}


def test_a_signed_in_session_still_needs_the_csrf_token(db, manager):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)
    response = browser.post("/api/v1/customers", {"name": "X"}, content_type=JSON)
    assert response.status_code == 403
    assert response["Content-Type"].startswith(JSON)
    assert not Customer.objects.exists()


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_a_json_404(db, method):
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API path."}


def test_every_operation_declares_its_errors(client, token_for, reader):
    document = json.loads(client.get("/api/v1/openapi.json", **token_for(reader)).content)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if operation.get("parameters") or "requestBody" in operation:
                assert "422" in codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method != "get":
                assert "403" in codes, (method, path)
            if "requestBody" in operation:
                assert "400" in codes, (method, path)
    patch = document["paths"]["/api/v1/customers/{customer_id}"]["patch"]
    assert "409" in patch["responses"]
    errors = patch["responses"]["422"]["content"]["application/json"]["schema"]
    assert errors["required"] == ["errors"]
