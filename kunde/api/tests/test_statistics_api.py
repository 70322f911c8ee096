"""GET /api/v1/customers/{id}/statistics: the tab's figures as integers and decimals."""

import pytest

from kunde.stats.tests.fixtures import ledger  # noqa: F401


def test_the_figures_of_a_period(client, ledger, token_for, manager):  # noqa: F811
    response = client.get(
        f"/api/v1/customers/{ledger.customer.pk}/statistics",
        {"from": "2026-01-01", "to": "2026-06-30"},
        **token_for(manager),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["invoiced_ore"] == 340_000
    assert body["credited_ore"] == 40_000
    assert body["paid_ore"] == 287_500
    assert body["hours_registered_minutes"] == 292
    assert body["hours_invoiced_minutes"] == 120
    assert body["cost_ore"] == 248_667
    assert body["margin_ore"] == 91_333
    assert body["profit_factor"] == "2.20"
    assert body["average_days_to_pay"] == "18.7"
    assert body["from"] == "2026-01-01"
    assert (body["offers_sent"], body["hit_rate_percent"]) == (0, None)
    assert sum(m["invoiced_ore"] for m in body["per_month"]) == 340_000
    assert sum(p["margin_ore"] for p in body["per_project"]) == 91_333
    assert {e["hours_minutes"] for e in body["employees"]} == {172, 120}


def test_one_project(client, ledger, token_for, manager):  # noqa: F811
    response = client.get(
        f"/api/v1/customers/{ledger.customer.pk}/statistics",
        {"project": ledger.p2.pk},
        **token_for(manager),
    )
    assert response.json()["invoiced_ore"] == 80_000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-06-01", "to": "2026-01-01"}, "from"),
        ({"project": 999_999}, "project"),
        ({"from": "not a date"}, "from"),
        ({"to": "0"}, "to"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, ledger, token_for, manager, query, field):  # noqa: F811
    response = client.get(
        f"/api/v1/customers/{ledger.customer.pk}/statistics", query, **token_for(manager)
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_read_only_is_403_and_unknown_customer_404(client, ledger, token_for, reader, manager):  # noqa: F811
    url = f"/api/v1/customers/{ledger.customer.pk}/statistics"
    assert client.get(url, **token_for(reader)).status_code == 403
    assert (
        client.get("/api/v1/customers/999999/statistics", **token_for(manager)).status_code == 404
    )


def test_it_is_in_the_openapi_document(client, token_for, manager):
    schema = client.get("/api/v1/openapi.json", **token_for(manager)).json()
    operation = schema["paths"]["/api/v1/customers/{customer_id}/statistics"]["get"]
    assert {"200", "403", "404", "422"} <= set(operation["responses"])


def test_the_ranking(client, ledger, token_for, finance, reader):  # noqa: F811
    url = "/api/v1/statistics/customers"
    assert client.get(url, **token_for(reader)).status_code == 403
    body = client.get(
        url, {"from": "2026-01-01", "to": "2026-06-30", "sort": "margin"}, **token_for(finance)
    ).json()
    assert body["count"] == 1
    first = body["results"][0]
    assert (first["customer"], first["margin_ore"], first["balance_ore"]) == (
        ledger.customer.pk,
        91_333,
        190_000,
    )
    assert first["name"] == "Fjellheim Konsult AS"
    bad = client.get(url, {"sort": "nonsense"}, **token_for(finance))
    assert bad.status_code == 422 and "sort" in bad.json()["errors"]
