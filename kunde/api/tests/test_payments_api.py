"""/api/v1/payments, /api/v1/payments/unmatched, /api/v1/payments/<id>/assign and
/api/v1/payment-imports."""

import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.invoices import services as invoice_services
from kunde.payments import services
from kunde.payments.models import MatchRule, Payment, PaymentImport, PaymentMethod
from kunde.payments.selectors import customer_credit_ore
from kunde.payments.tests.conftest import ocr_file, ocr_transaction

JSON = "application/json"
PAYMENTS = "/api/v1/payments"
IMPORTS = "/api/v1/payment-imports"
TODAY = timezone.localdate()


@pytest.fixture
def invoice(draft, finance):
    """Invoice 1: 16 185,00 kr."""
    return invoice_services.invoice_issue(actor=finance, invoice=draft)


def unmatched(amount_ore=50_000, text=""):
    return Payment.objects.create(
        amount_ore=amount_ore,
        date=date(2026, 11, 20),
        method=PaymentMethod.OCR,
        match_rule=MatchRule.UNMATCHED,
        kid="12345674",
        payer_name="Kari Nordmann",
        text=text,
    )


def snapshot():
    return (
        list(Payment.objects.order_by("pk").values()),
        list(PaymentImport.objects.order_by("pk").values("pk", "status")),
        ActivityEntry.objects.filter(action__startswith="payment.").count(),
    )


def post_json(client, url, body, headers):
    return client.post(url, json.dumps(body), content_type=JSON, **headers)


def manual(document, **changes):
    return {"invoice": document.pk, "amount_ore": 100_050, "date": TODAY.isoformat(),
            "method": "bank", "note": "", **changes}  # fmt: skip


# Payments -------------------------------------------------------------------------------------


def test_finance_registers_a_payment(client, token_for, finance, invoice):
    response = post_json(client, PAYMENTS, manual(invoice, note="Nettbank"), token_for(finance))
    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["id"] == payment.pk
    assert {k: body[k] for k in ("customer", "invoice", "amount_ore", "currency", "date",
                                 "method", "match_rule", "note")} == {
        "customer": invoice.customer_id, "invoice": invoice.pk, "amount_ore": 100_050,
        "currency": "NOK", "date": TODAY.isoformat(), "method": "bank", "match_rule": "manual",
        "note": "Nettbank",
    }  # fmt: skip
    assert services.invoice_open_ore(invoice) == 1_618_500 - 100_050


def test_every_role_reads_payments_with_filters(client, token_for, reader, finance, invoice,
                                                customer):  # fmt: skip
    paid = services.payment_register(actor=finance, invoice=invoice, amount_ore=500, date=TODAY)
    stray = unmatched()
    headers = token_for(reader)
    everything = client.get(PAYMENTS, **headers).json()
    assert everything["count"] == 2
    assert [p["id"] for p in everything["results"]] == [paid.pk, stray.pk]  # newest first
    by_invoice = client.get(PAYMENTS, {"invoice": invoice.pk}, **headers).json()
    assert [p["id"] for p in by_invoice["results"]] == [paid.pk]
    by_customer = client.get(PAYMENTS, {"customer": customer.pk}, **headers).json()
    assert [p["id"] for p in by_customer["results"]] == [paid.pk]
    only_unmatched = client.get(PAYMENTS, {"unmatched": "true"}, **headers).json()
    assert [p["id"] for p in only_unmatched["results"]] == [stray.pk]
    assert only_unmatched["results"][0]["customer"] is None
    assert client.get(f"{PAYMENTS}/{paid.pk}", **headers).json()["amount_ore"] == 500


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"amount_ore": 0}, "amount_ore", "Enter an amount other than 0."),
        ({"amount_ore": -100}, "note", "A negative payment needs a note"),
        ({"amount_ore": -100, "note": "Dobbel"}, "amount_ore", "Only 0,00 kr has been paid"),
        ({"amount_ore": "12.5"}, "amount_ore", "valid integer"),
        ({"amount_ore": 10**13}, "amount_ore", "less than or equal to"),
        ({"invoice": 999999}, "invoice", "No invoice has id 999999."),
        ({"date": (TODAY + timedelta(days=2)).isoformat()}, "date", "cannot be in the future"),
        ({"date": "2026-02-30"}, "date", "valid date"),
        ({"method": "write_off"}, "method", "Choose how the payment was made."),
    ],
)
def test_bad_payments_are_refused_naming_the_field(client, token_for, finance, invoice, changes,
                                                   field, message):  # fmt: skip
    before = snapshot()
    response = post_json(client, PAYMENTS, manual(invoice, **changes), token_for(finance))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in " ".join(errors[field]).replace("\xa0", " ")
    assert snapshot() == before


def test_a_draft_cannot_be_paid(client, token_for, finance, company, customer):
    draft = invoice_services.invoice_draft_create(
        actor=finance, customer=customer, lines=[{"description": "X", "unit_price_ore": 100}]
    )
    before = snapshot()
    response = post_json(client, PAYMENTS, manual(draft), token_for(finance))
    assert response.status_code == 422
    assert response.json() == {"errors": {"invoice": ["A draft cannot be paid; issue it first."]}}
    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_register_payments(request, client, token_for, invoice, role):
    before = snapshot()
    headers = token_for(request.getfixturevalue(role))
    response = post_json(client, PAYMENTS, manual(invoice), headers)
    assert response.status_code == 403
    assert "may read payments" in response.json()["detail"]
    assert snapshot() == before


def test_signing_in_is_needed(client, wrong_token, invoice):
    assert client.get(PAYMENTS).status_code == 401
    assert client.get(PAYMENTS, **wrong_token).status_code == 401
    assert post_json(client, PAYMENTS, manual(invoice), wrong_token).status_code == 401
    assert client.get(IMPORTS).status_code == 401


# Unmatched ------------------------------------------------------------------------------------


def test_unmatched_payments_come_with_suggestions(client, token_for, reader, invoice):
    stray = unmatched(1_618_500, text=f"Faktura {invoice.number}")
    body = client.get(f"{PAYMENTS}/unmatched", **token_for(reader)).json()
    assert body["count"] == 1
    result = body["results"][0]
    assert (result["id"], result["kid"], result["payer_name"]) == (
        stray.pk, "12345674", "Kari Nordmann"
    )  # fmt: skip
    assert result["suggestions"] == [
        {
            "invoice": invoice.pk,
            "invoice_number": invoice.number,
            "customer": invoice.customer_id,
            "customer_name": invoice.customer.name,
            "open_ore": 1_618_500,
            "reasons": ["amount", "number"],
        }
    ]


def test_finance_assigns_an_unmatched_payment_to_an_invoice(client, token_for, finance, invoice):
    stray = unmatched(1_700_000)
    response = post_json(
        client, f"{PAYMENTS}/{stray.pk}/assign", {"invoice": invoice.pk}, token_for(finance)
    )
    assert response.status_code == 200
    rows = response.json()
    assert [(r["invoice"], r["amount_ore"], r["match_rule"]) for r in rows] == [
        (invoice.pk, 1_700_000, "assigned"),
        (invoice.pk, -81_500, "overpayment"),
        (None, 81_500, "overpayment"),
    ]
    assert services.invoice_open_ore(invoice) == 0
    assert customer_credit_ore(invoice.customer) == 81_500


def test_finance_assigns_an_unmatched_payment_to_a_customer(client, token_for, finance,
                                                            customer):  # fmt: skip
    stray = unmatched(5_000)
    response = post_json(
        client, f"{PAYMENTS}/{stray.pk}/assign", {"customer": customer.pk}, token_for(finance)
    )
    assert response.status_code == 200
    assert customer_credit_ore(customer) == 5_000


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"invoice": 999999}, "invoice", "No invoice has id 999999."),
        ({"customer": 999999}, "customer", "No customer has id 999999."),
        ({}, "invoice", "Send either invoice or customer."),
        ({"invoice": 1, "customer": 1}, "invoice", "Send either invoice or customer."),
        ({"invoice": "x"}, "invoice", "valid integer"),
    ],
)
def test_bad_assignments_are_refused_naming_the_field(client, token_for, finance, invoice, body,
                                                      field, message):  # fmt: skip
    stray = unmatched()
    before = snapshot()
    response = post_json(client, f"{PAYMENTS}/{stray.pk}/assign", body, token_for(finance))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert message in " ".join(errors[field])
    assert snapshot() == before


def test_assigning_a_payment_twice_is_a_conflict(client, token_for, finance, invoice, customer):
    stray = unmatched()
    services.unmatched_assign(actor=finance, payment=stray, customer=customer)
    before = snapshot()
    response = post_json(
        client, f"{PAYMENTS}/{stray.pk}/assign", {"invoice": invoice.pk}, token_for(finance)
    )
    assert response.status_code == 409
    assert snapshot() == before
    missing = post_json(client, f"{PAYMENTS}/999999/assign", {"invoice": 1}, token_for(finance))
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_assign(request, client, token_for, invoice, role):
    stray = unmatched()
    before = snapshot()
    headers = token_for(request.getfixturevalue(role))
    response = post_json(client, f"{PAYMENTS}/{stray.pk}/assign", {"invoice": invoice.pk}, headers)
    assert response.status_code == 403
    assert snapshot() == before


# Imports --------------------------------------------------------------------------------------


def _ocr(invoice):
    return ocr_file(
        [ocr_transaction(1, 1_618_500, invoice.kid), ocr_transaction(2, 9_900, "12345674")]
    )


def test_finance_imports_a_file_and_gets_the_summary(client, token_for, finance, invoice):
    response = client.post(
        IMPORTS, {"file": SimpleUploadedFile("OCR.txt", _ocr(invoice))}, **token_for(finance)
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["format"], body["file_name"], body["total"]) == (
        "booked", "ocr", "OCR.txt", 2
    )  # fmt: skip
    summary = body["summary"]
    assert (summary["transactions"], summary["matched"], summary["unmatched"]) == (2, 1, 1)
    assert summary["total"] == "16284.00"
    assert services.invoice_open_ore(invoice) == 0
    history = client.get(IMPORTS, **token_for(finance)).json()
    assert history["count"] == 1 and history["results"][0]["id"] == body["id"]


def test_a_malformed_file_is_refused_naming_the_file(client, token_for, finance, invoice):
    data = _ocr(invoice).replace(b"NY000010", b"NY0000XX", 1)
    response = client.post(
        IMPORTS, {"file": SimpleUploadedFile("bad.txt", data)}, **token_for(finance)
    )
    assert response.status_code == 422
    (message,) = response.json()["errors"]["file"]
    assert message.startswith("Line 1:") and message.endswith("Nothing booked.")
    assert Payment.objects.count() == 0


def test_the_same_file_twice_is_refused(client, token_for, finance, invoice):
    headers = token_for(finance)
    client.post(IMPORTS, {"file": SimpleUploadedFile("a.txt", _ocr(invoice))}, **headers)
    before = snapshot()
    response = client.post(IMPORTS, {"file": SimpleUploadedFile("b.txt", _ocr(invoice))}, **headers)
    assert response.status_code == 422
    assert "was imported on" in response.json()["errors"]["file"][0]
    assert snapshot() == before


def test_a_missing_file_is_refused(client, token_for, finance, company):
    response = client.post(IMPORTS, {}, **token_for(finance))
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"file": ["Send the bank file as the multipart field “file”."]}
    }


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_import(request, client, token_for, invoice, role):
    before = snapshot()
    headers = token_for(request.getfixturevalue(role))
    response = client.post(IMPORTS, {"file": SimpleUploadedFile("a.txt", _ocr(invoice))}, **headers)
    assert response.status_code == 403
    assert snapshot() == before
    assert client.get(IMPORTS, **headers).status_code == 200
