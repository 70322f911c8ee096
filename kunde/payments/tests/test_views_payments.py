"""Payments on the issued-invoice page: the list with paid / open, a new payment and the write-off
of a small remainder."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from kunde.activity.models import ActivityEntry
from kunde.invoices import services as invoice_services
from kunde.payments import services
from kunde.payments.models import MatchRule, Payment, PaymentMethod

ROLES = ["admin", "finance", "manager", "reader"]
TODAY = timezone.localdate()


def page_of(invoice) -> str:
    return f"/invoices/{invoice.pk}/"


def new_payment(invoice) -> str:
    return f"/invoices/{invoice.pk}/payments/"


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def snapshot():
    return (
        list(Payment.objects.order_by("pk").values()),
        ActivityEntry.objects.filter(action__startswith="payment.").count(),
    )


def form(**data):
    return {"amount": "400,00", "date": TODAY.isoformat(), "method": "bank", "note": "", **data}


# The section on the invoice page --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_payments_paid_and_open(request, client_for, invoice, finance, role):
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=25_000, date=TODAY, note="Delbetaling"
    )
    user = request.getfixturevalue(role)
    page = text(client_for(user).get(page_of(invoice)))
    section = page.split('id="payments"')[1].split("</section>")[0]
    assert 'data-testid="paid">250,00 kr' in section
    assert 'data-testid="open">750,00 kr' in section
    assert "Delbetaling" in section and "Bank transfer" in section
    assert 'class="badge pay-partially_paid"' in section
    assert ("Register payment" in section) is user.can_manage_finance


def test_an_overpaid_invoice_says_so(client_for, reader, invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=120_000, date=TODAY)
    section = text(client_for(reader).get(page_of(invoice))).split('id="payments"')[1]
    assert 'class="badge pay-overpaid"' in section
    assert "Overpaid</dt>" in section and 'data-testid="open">200,00 kr' in section


def test_drafts_and_credit_notes_have_no_payment_section(client_for, finance, draft):
    client = client_for(finance)
    assert 'id="payments"' not in text(client.get(page_of(draft)))
    issued = invoice_services.invoice_issue(actor=finance, invoice=draft)
    assert 'id="payments"' in text(client.get(page_of(issued)))
    note = invoice_services.invoice_issue(
        actor=finance, invoice=invoice_services.credit_note_create(actor=finance, invoice=issued)
    )
    assert 'id="payments"' not in text(client.get(page_of(note)))


# A new payment --------------------------------------------------------------------------------


def test_finance_registers_a_payment_exact_to_the_ore(client_for, finance, invoice):
    response = client_for(finance).post(
        new_payment(invoice), form(amount="1 234,56", method="card", note="Terminal")
    )
    assert response.status_code == 302 and response["Location"] == page_of(invoice)
    payment = Payment.objects.get()
    assert (payment.invoice, payment.customer, payment.amount_ore) == (
        invoice, invoice.customer, 123_456
    )  # fmt: skip
    assert (payment.method, payment.match_rule, payment.note, payment.created_by) == (
        PaymentMethod.CARD, MatchRule.MANUAL, "Terminal", finance
    )  # fmt: skip
    assert ActivityEntry.objects.filter(action="payment.registered").count() == 1
    page = text(client_for(finance).get(page_of(invoice)))
    assert "Payment of 1 234,56 kr registered on Invoice" in page


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"amount": "12,345"}, "amount", "at most two decimals"),
        ({"amount": "tolv"}, "amount", "Enter an amount in kroner"),
        ({"amount": "0"}, "amount", "Enter an amount other than 0."),
        ({"amount": ""}, "amount", "This field is required."),
        ({"date": "2026-02-30"}, "date", "Enter a valid date."),
        ({"date": (TODAY + timedelta(days=2)).isoformat()}, "date", "cannot be in the future"),
        ({"method": "write_off"}, "method", "Select a valid choice."),
        ({"amount": "-100"}, "note", "A negative payment needs a note saying why"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_books_nothing(
    client_for, finance, invoice, data, field, message
):
    before = snapshot()
    response = client_for(finance).post(new_payment(invoice), form(**data))
    assert response.status_code == 200
    page = text(response)
    assert "Not registered; nothing was booked." in page
    field_html = page.split(f'id="id_{field}"')[1].split("</div>")[0]
    assert message in field_html.replace("&#x27;", "'")
    assert snapshot() == before


def test_a_negative_payment_with_a_note_takes_money_out(client_for, finance, invoice):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=100_000, date=TODAY)
    client_for(finance).post(new_payment(invoice), form(amount="-100", note="Betalt to ganger"))
    assert services.invoice_open_ore(invoice) == 10_000


def test_a_negative_payment_above_what_was_paid_is_refused(client_for, finance, invoice):
    before = snapshot()
    page = text(client_for(finance).post(new_payment(invoice), form(amount="-1", note="Feil")))
    assert "Only 0,00 kr has been paid on Invoice" in page
    assert snapshot() == before


def test_a_draft_cannot_be_paid(client_for, finance, draft):
    before = snapshot()
    page = text(client_for(finance).post(new_payment(draft), form()))
    assert "Payments are registered on issued invoices" in page
    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_register_payments(request, client_for, invoice, role):
    before = snapshot()
    client = client_for(request.getfixturevalue(role))
    assert client.post(new_payment(invoice), form()).status_code == 403
    assert client.post(f"/invoices/{invoice.pk}/write-off/").status_code == 403
    assert snapshot() == before


def test_an_unknown_invoice_is_404(client_for, finance, db):
    assert client_for(finance).post("/invoices/999999/payments/", form()).status_code == 404


# Write-off ------------------------------------------------------------------------------------


def test_a_remainder_within_the_tolerance_is_written_off(client_for, finance, invoice):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=99_950, date=TODAY)
    client = client_for(finance)
    assert "Write off the remainder" in text(client.get(page_of(invoice)))
    response = client.post(f"/invoices/{invoice.pk}/write-off/", {"note": "Øreavrunding"})
    assert response.status_code == 302
    written = Payment.objects.get(method=PaymentMethod.WRITE_OFF)
    assert (written.amount_ore, written.note) == (50, "Øreavrunding")
    page = text(client.get(page_of(invoice)))
    assert "0,50 kr written off; Invoice" in page
    assert 'data-testid="open">0,00 kr' in page
    assert "Write off the remainder" not in page


def test_a_remainder_above_the_tolerance_offers_no_write_off(client_for, finance, invoice):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=90_000, date=TODAY)
    client = client_for(finance)
    assert "Write off the remainder" not in text(client.get(page_of(invoice)))
    before = snapshot()
    page = text(client.post(f"/invoices/{invoice.pk}/write-off/", follow=True))
    assert "Not written off: Invoice" in page and "only up to 1,00 kr may be written off" in page
    assert snapshot() == before


# The invoices tab and report ------------------------------------------------------------------


@pytest.fixture
def four_states(make_invoice, finance):
    """Four invoices: outstanding, overdue by 12 days, overpaid, paid."""
    outstanding = make_invoice(10_000)
    overdue = make_invoice(10_000, issue_date=TODAY - timedelta(days=26),
                           due_date=TODAY - timedelta(days=12))  # fmt: skip
    overpaid = make_invoice(10_000)
    paid = make_invoice(10_000)
    for invoice, amount in ((overpaid, 15_000), (paid, 10_000)):
        services.payment_register(actor=finance, invoice=invoice, amount_ore=amount, date=TODAY)
    return {"unpaid": outstanding, "overdue": overdue, "overpaid": overpaid, "paid": paid}


def _row(page: str, invoice) -> str:
    link = f'href="/invoices/{invoice.pk}/" data-row-link'
    return page[: page.index(link)].rsplit("<tr", 1)[1]


@pytest.mark.parametrize("url", ["/customers/{customer}/invoices/", "/invoices/"])
def test_the_invoice_report_colours_each_invoice_by_its_payment(client_for, reader, customer,
                                                                four_states, url):  # fmt: skip
    page = text(client_for(reader).get(url.format(customer=customer.pk)))
    assert 'class="pay-row pay-row-unpaid" title="Outstanding"' in _row(page, four_states["unpaid"])
    assert 'pay-row-overdue" title="12 days overdue"' in _row(page, four_states["overdue"])
    assert 'pay-row-overpaid" title="Overpaid"' in _row(page, four_states["overpaid"])
    assert 'pay-row-paid" title="Paid"' in _row(page, four_states["paid"])


def test_the_payment_status_column_shows_on_the_page_and_in_the_download(
    client_for, finance, customer, four_states
):
    client = client_for(finance)
    tab = f"/customers/{customer.pk}/invoices/"
    client.post(tab, {"columns": ["number", "total", "paid", "outstanding", "payment_status"]})
    page = text(client.get(tab))
    assert "Payment status</th>" in page.replace("\n", "").replace("    ", "")
    assert 'class="badge pay-overdue" title="12 days overdue"' in page
    assert 'class="badge pay-overpaid"' in page

    content = client.get(f"{tab}?format=xlsx").content
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert sheet[3] == ["No.", "Total", "Paid", "Outstanding", "Payment status"]
    by_number = {row[0]: row[1:] for row in sheet[4:8]}
    assert by_number[four_states["overdue"].number] == [100.0, 0.0, 100.0, "Overdue, 12 days"]
    assert by_number[four_states["overpaid"].number] == [100.0, 150.0, -50.0, "Overpaid"]
    assert by_number[four_states["paid"].number] == [100.0, 100.0, 0.0, "Paid"]
    assert by_number[four_states["unpaid"].number] == [100.0, 0.0, 100.0, "Outstanding"]
