"""/api/v1/offers: list, create, read, change (revisions), send, accept, reject, PDF."""

import hashlib
import json

import pytest

from kunde.offers.models import Offer
from kunde.offers.tests.conftest import LINES

JSON = "application/json"


@pytest.fixture
def contact(customer):
    from kunde.customers.models import Contact

    return Contact.objects.create(
        customer=customer, name="Kari Nordmann", email="kari@fjellheim.no", is_primary=True
    )


def _post(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type=JSON, **headers)


def _create(client, customer, headers, lines=LINES):
    return _post(
        client,
        "/api/v1/offers",
        {"customer": customer.pk, "name": "Nytt intranett", "lines": lines},
        headers,
    )


def test_create_send_accept_and_pdf(
    client, token_for, manager, customer, contact, company, mailoutbox
):
    headers = token_for(manager)
    created = _create(client, customer, headers)
    assert created.status_code == 201, created.content
    offer = created.json()
    assert (offer["status"], offer["number"], offer["revision"]) == ("draft", None, "")
    assert offer["net_ore"] == 1250000 + 2000000 + 333333
    assert offer["optional_net_ore"] == 495000
    assert offer["contact"] == contact.pk and offer["made_by"] == manager.pk
    assert [line["kind"] for line in offer["lines"]] == ["hourly", "fixed", "expense", "hourly"]
    url = f"/api/v1/offers/{offer['id']}"
    assert client.get(f"{url}/pdf", **headers).status_code == 409
    sent = client.post(f"{url}/send", content_type=JSON, **headers)
    assert sent.status_code == 200, sent.content
    assert (sent.json()["status"], sent.json()["number"]) == ("sent", 1)
    assert len(mailoutbox) == 1
    pdf = client.get(f"{url}/pdf", **headers)
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    assert pdf["ETag"] == f'"{hashlib.sha256(pdf.content).hexdigest()}"'
    optional = next(line for line in offer["lines"] if line["optional"])
    accepted = _post(client, f"{url}/accept", {"name": "Kari", "chosen": [optional["id"]]}, headers)
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted" and body["project"] is not None
    assert body["net_ore"] == 1250000 + 2000000 + 333333 + 495000
    again = _post(client, f"{url}/accept", {"name": "Kari"}, headers)
    assert again.status_code == 409
    assert (
        client.patch(url, json.dumps({"name": "X"}), content_type=JSON, **headers).status_code
        == 409
    )


def test_patch_of_a_sent_offer_makes_a_revision(
    client, token_for, manager, customer, contact, company
):
    headers = token_for(manager)
    offer = _create(client, customer, headers).json()
    url = f"/api/v1/offers/{offer['id']}"
    _post(client, f"{url}/send", {"by_hand": True}, headers)
    changed = client.patch(
        url, json.dumps({"name": "Revidert", "lines": LINES[:1]}), content_type=JSON, **headers
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["revision"], changed.json()["status"]) == ("A", "draft")
    assert changed.json()["net_ore"] == 1250000


def test_reject_and_filters(client, token_for, manager, customer, contact, company):
    headers = token_for(manager)
    offer = _create(client, customer, headers).json()
    url = f"/api/v1/offers/{offer['id']}"
    assert _post(client, f"{url}/reject", {}, headers).status_code == 409  # not sent
    _post(client, f"{url}/send", {"by_hand": True}, headers)
    rejected = _post(client, f"{url}/reject", {"comment": "For dyrt"}, headers)
    assert rejected.json()["status"] == "rejected"
    listed = client.get(f"/api/v1/offers?customer={customer.pk}&status=rejected", **headers)
    assert [o["id"] for o in listed.json()["results"]] == [offer["id"]]
    assert client.get("/api/v1/offers?status=accepted", **headers).json()["count"] == 0


def test_bad_lines_answer_422_and_save_nothing(client, token_for, manager, customer, company):
    headers = token_for(manager)
    bad = [{"kind": "hourly", "description": "Uten pris", "quantity": "2"}]
    response = _create(client, customer, headers, lines=bad)
    assert response.status_code == 422
    assert "lines.0.unit_price_ore" in response.json()["errors"]
    assert not Offer.objects.exists()


def test_reader_may_read_but_not_create(client, token_for, reader, customer, company):
    headers = token_for(reader)
    assert client.get("/api/v1/offers", **headers).status_code == 200
    assert _create(client, customer, headers).status_code == 403
