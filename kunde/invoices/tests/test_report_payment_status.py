"""The customer's Invoices tab: payment status in words and the unpaid / overdue filters."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from kunde.invoices import services
from kunde.payments.services import payment_register


def _tab(customer, query=""):
    return f"/customers/{customer.pk}/invoices/" + (f"?{query}" if query else "")


def _issued(customer, finance, *, days_ago: int, credit_days: int = 14):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000}],
    )
    services.invoice_draft_update(actor=finance, invoice=draft, header={"credit_days": credit_days})
    issue_date = timezone.localdate() - timedelta(days=days_ago)
    return services.invoice_issue(actor=finance, invoice=draft, issue_date=issue_date)


@pytest.fixture
def invoices(company, customer, finance):
    """1 paid, 2 partly paid (not due), 3 overdue, 4 unpaid and not due: 1 250 kr each."""
    paid = _issued(customer, finance, days_ago=40)
    partly = _issued(customer, finance, days_ago=2)
    overdue = _issued(customer, finance, days_ago=30)
    unpaid = _issued(customer, finance, days_ago=1)
    today = timezone.localdate()
    payment_register(actor=finance, invoice=paid, amount_ore=125000, date=today)
    payment_register(actor=finance, invoice=partly, amount_ore=50000, date=today)
    return {"paid": paid, "partly": partly, "overdue": overdue, "unpaid": unpaid}


def _numbers(response) -> set[int]:
    return {row["number"] for row in response.context["rows"]}


@pytest.mark.parametrize(
    ("language", "words"),
    [("nb", ["Betalt", "Delvis betalt", "Forfalt"]), ("en", ["Paid", "Partly paid", "Overdue"])],
)
def test_the_tab_shows_the_payment_status_in_words(
    client_for, reader, customer, invoices, language, words
):
    response = client_for(reader).get(_tab(customer), HTTP_ACCEPT_LANGUAGE=language)
    page = response.content.decode()
    for word in words:
        assert f">{word}" in page, word
    assert 'data-payment-status="overdue"' in page


def test_unpaid_shows_invoices_with_something_left_to_pay(client_for, reader, customer, invoices):
    response = client_for(reader).get(_tab(customer, "state=unpaid"))
    expected = {invoices[k].number for k in ("partly", "overdue", "unpaid")}
    assert _numbers(response) == expected


def test_overdue_shows_only_those_past_their_due_date(client_for, reader, customer, invoices):
    response = client_for(reader).get(_tab(customer, "state=overdue"))
    assert _numbers(response) == {invoices["overdue"].number}


def test_a_credited_invoice_is_not_unpaid(client_for, reader, customer, finance, invoices):
    note = services.credit_note_create(actor=finance, invoice=invoices["unpaid"])
    services.invoice_issue(actor=finance, invoice=note)
    response = client_for(reader).get(_tab(customer, "state=unpaid"))
    assert invoices["unpaid"].number not in _numbers(response)


def test_the_filters_are_offered_in_norwegian(client_for, reader, customer, invoices):
    page = client_for(reader).get(_tab(customer), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert '<option value="unpaid"' in page and '<option value="overdue"' in page
    assert ">Ubetalt<" in page and ">Forfalt<" in page


@pytest.fixture(autouse=True)
def _language_restored():
    """A request in Norwegian leaves Norwegian active in the thread; later tests expect English."""
    with translation.override("en"):
        yield
