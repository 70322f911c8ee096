"""The unmatched payments: the list with suggestions, and the assignment of a payment to an invoice
(by number) or to a customer as credit."""

from datetime import date

import pytest

from kunde.activity.models import ActivityEntry
from kunde.invoices.models import Invoice
from kunde.payments import services
from kunde.payments.models import MatchRule, Payment, PaymentMethod
from kunde.payments.selectors import customer_credit_ore

URL = "/payments/unmatched/"


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def unmatched(amount_ore=50_000, *, kid="12345674", text="", payer="Kari Nordmann"):
    """A payment as an import leaves it when no invoice has its KID."""
    return Payment.objects.create(
        amount_ore=amount_ore,
        date=date(2026, 11, 20),
        method=PaymentMethod.OCR,
        match_rule=MatchRule.UNMATCHED,
        kid=kid,
        payer_name=payer,
        payer_account="12345678903",
        text=text,
    )


def assign(client, payment, **data):
    fields = {f"p{payment.pk}-{key}": value for key, value in data.items()}
    return client.post(f"{URL}{payment.pk}/assign/", fields)


def snapshot():
    return (
        list(Payment.objects.order_by("pk").values()),
        ActivityEntry.objects.filter(action__startswith="payment.").count(),
    )


# The list -------------------------------------------------------------------------------------


def test_finance_sees_each_payment_with_its_suggestions(client_for, finance, make_invoice):
    invoice = make_invoice(50_000)
    payment = unmatched(50_000, text=f"Faktura {invoice.number}")
    page = text(client_for(finance).get(URL))
    assert "1 payment has no known owner." in page
    card = page.split(f'data-unmatched="{payment.pk}"')[1].split("</section>")[0]
    assert "500,00 kr" in card and "20.11.2026" in card
    assert "Kari Nordmann" in card and "12345674" in card and f"Faktura {invoice.number}" in card
    assert f"Assign to Invoice {invoice.number}" in card
    assert "(same amount, number in the text)" in card


def test_an_empty_list_says_so(client_for, finance, db):
    assert "Every payment has found its owner." in text(client_for(finance).get(URL))


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_see_or_assign(request, client_for, make_invoice, role):
    invoice = make_invoice(50_000)
    payment = unmatched()
    before = snapshot()
    client = client_for(request.getfixturevalue(role))
    assert client.get(URL).status_code == 403
    assert assign(client, payment, invoice_number=invoice.number).status_code == 403
    assert snapshot() == before


# Assigning ------------------------------------------------------------------------------------


def test_finance_assigns_a_payment_to_an_invoice_by_its_number(client_for, finance, make_invoice):
    invoice = make_invoice(80_000)
    payment = unmatched(50_000)
    client = client_for(finance)
    response = assign(client, payment, invoice_number=invoice.number)
    assert response.status_code == 302 and response["Location"] == URL
    payment.refresh_from_db()
    assert (payment.invoice, payment.customer, payment.match_rule, payment.assigned_by) == (
        invoice, invoice.customer, MatchRule.ASSIGNED, finance
    )  # fmt: skip
    assert services.invoice_open_ore(invoice) == 30_000
    page = text(client.get(URL))
    assert f"500,00 kr assigned to Invoice {invoice.number} ({invoice.customer.name})." in page
    assert "0 payments have no known owner." in page


def test_the_excess_over_what_is_open_goes_to_the_customers_credit(
    client_for, finance, make_invoice
):
    invoice = make_invoice(30_000)
    payment = unmatched(50_000)
    response = assign(client_for(finance), payment, invoice_number=invoice.number)
    page = text(client_for(finance).get(response["Location"]))
    assert "200,00 kr more than was open went to the customer&#x27;s credit." in page
    assert services.invoice_open_ore(invoice) == 0
    assert customer_credit_ore(invoice.customer) == 20_000


def test_a_suggestion_assigns_with_one_click(client_for, finance, make_invoice):
    invoice = make_invoice(50_000)
    payment = unmatched(50_000)
    client = client_for(finance)
    page = text(client.get(URL))
    hidden = f'name="p{payment.pk}-invoice_number" value="{invoice.number}"'
    assert hidden in page
    assign(client, payment, invoice_number=str(invoice.number))
    assert services.invoice_open_ore(invoice) == 0


def test_finance_assigns_a_payment_to_a_customer_as_credit(client_for, finance, customer):
    payment = unmatched(12_345)
    response = assign(client_for(finance), payment, customer_number=customer.number)
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.customer, payment.invoice) == (customer, None)
    assert customer_credit_ore(customer) == 12_345
    page = text(client_for(finance).get(URL))
    assert f"123,45 kr assigned to {customer.name} as credit." in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"invoice_number": 999999}, "There is no issued invoice number 999999."),
        ({"customer_number": 999999}, "There is no customer number 999999."),
        ({}, "Enter either an invoice number or a customer number."),
        ({"invoice_number": "abc"}, "Enter a whole number."),
        ({"invoice_number": -3}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_bad_input_is_shown_next_to_the_payment_and_changes_nothing(
    client_for, finance, customer, make_invoice, data, message
):
    make_invoice(50_000)
    payment = unmatched()
    before = snapshot()
    response = assign(client_for(finance), payment, **data)
    assert response.status_code == 200
    card = text(response).split(f'data-unmatched="{payment.pk}"')[1].split("</section>")[0]
    assert message in card
    assert snapshot() == before


def test_both_an_invoice_and_a_customer_is_refused(client_for, finance, customer, make_invoice):
    invoice = make_invoice(50_000)
    payment = unmatched()
    before = snapshot()
    response = assign(
        client_for(finance), payment, invoice_number=invoice.number, customer_number=customer.number
    )
    assert "Enter either an invoice number or a customer number." in text(response)
    assert snapshot() == before


def test_a_credit_note_number_is_refused(client_for, finance, make_invoice):
    invoice = make_invoice(50_000)
    note = make_invoice(-50_000, credited_invoice=invoice)
    payment = unmatched()
    before = snapshot()
    response = assign(client_for(finance), payment, invoice_number=note.number)
    assert f"Number {note.number} is a credit note; payments go on invoices." in text(response)
    assert snapshot() == before


def test_a_payment_assigned_already_is_404(client_for, finance, customer, make_invoice):
    invoice = make_invoice(50_000)
    payment = unmatched()
    services.unmatched_assign(actor=finance, payment=payment, customer=customer)
    before = snapshot()
    response = assign(client_for(finance), payment, invoice_number=invoice.number)
    assert response.status_code == 404
    assert snapshot() == before
    assert Invoice.objects.get(pk=invoice.pk).pk == invoice.pk
