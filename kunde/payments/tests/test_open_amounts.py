"""The database keeps each issued invoice's open amount and latest date (`InvoiceOpenAmount`)
through every way of writing: the services, bulk inserts, a merge's customer move, raw SQL.
Each test compares the table with the ledger's own definition (`with_open_ore`) and with a
rebuild."""

import random
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from kunde.invoices import services as invoice_services
from kunde.invoices.models import Invoice
from kunde.payments import services
from kunde.payments.models import InvoiceOpenAmount, MatchRule, Payment, PaymentMethod
from kunde.payments.open_amounts import OPEN_AMOUNTS
from kunde.payments.selectors import with_open_ore

TODAY = timezone.localdate


def _expected() -> dict:
    """{invoice id: (customer id, open øre, latest date)} from the documents and payments."""
    issued = Invoice.objects.filter(status="issued", kind="invoice")
    latest = {}
    for pk, issue_date in issued.values_list("pk", "issue_date"):
        latest[pk] = issue_date
    for pk, day in (
        Payment.objects.filter(invoice__isnull=False)
        .values_list("invoice_id")
        .annotate(d=Max("date"))
    ):
        latest[pk] = max(latest[pk], day)
    for pk, day in (
        Invoice.objects.filter(status="issued", kind="credit_note")
        .values_list("credited_invoice_id")
        .annotate(d=Max("issue_date"))
    ):
        latest[pk] = max(latest[pk], day)
    return {
        pk: (customer_id, int(open_ore), latest[pk])
        for pk, customer_id, open_ore in with_open_ore(issued).values_list(
            "pk", "customer_id", "open_ore"
        )
    }


def _kept() -> dict:
    return {
        row.invoice_id: (row.customer_id, row.open_ore, row.last_date)
        for row in InvoiceOpenAmount.objects.all()
    }


def _assert_kept():
    expected = _expected()
    assert _kept() == expected
    with transaction.atomic():
        OPEN_AMOUNTS.rebuild(connection)
        assert _kept() == expected


def _issue(finance, customer, amount_ore=100_000, *, days_ago=30):
    draft = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": "1", "unit_price_ore": amount_ore}],
    )
    return invoice_services.invoice_issue(
        actor=finance, invoice=draft, issue_date=TODAY() - timedelta(days=days_ago)
    )


def test_an_issued_invoice_gets_its_row_and_a_draft_none(company, customer, finance, draft):
    invoice = _issue(finance, customer)

    row = InvoiceOpenAmount.objects.get(invoice=invoice)
    assert (row.customer_id, row.open_ore, row.last_date) == (
        customer.pk,
        invoice.total_ore,
        invoice.issue_date,
    )
    assert not InvoiceOpenAmount.objects.filter(invoice=draft).exists()
    _assert_kept()


def test_payments_and_credit_notes_through_the_services(company, customer, finance):
    invoice = _issue(finance, customer, 300_000)
    later = TODAY() - timedelta(days=3)

    services.payment_register(actor=finance, invoice=invoice, amount_ore=100_000, date=later)
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=50_000, date=later - timedelta(days=9)
    )
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=-20_000, date=later, note="Refund"
    )
    credit_note = invoice_services.credit_note_create(actor=finance, invoice=invoice)
    invoice_services.invoice_issue(
        actor=finance, invoice=credit_note, issue_date=later - timedelta(days=1)
    )

    row = InvoiceOpenAmount.objects.get(invoice=invoice)
    # Credited in full: what was paid is owed back.
    assert row.open_ore == -(100_000 + 50_000 - 20_000)
    assert row.last_date == later
    _assert_kept()


def test_a_bulk_insert_of_payments_on_several_invoices(company, customer, finance):
    first, second = _issue(finance, customer), _issue(finance, customer, 200_000)
    rows = [
        Payment(
            customer=customer,
            invoice=invoice,
            amount_ore=amount,
            date=TODAY() - timedelta(days=1),
            method=PaymentMethod.OCR,
            match_rule=MatchRule.KID_PARTIAL,
        )
        for invoice, amount in [(first, 40_000), (second, 70_000), (first, 5_000)]
    ]
    rows.append(
        Payment(
            amount_ore=9_900, date=TODAY(), method=PaymentMethod.OCR, match_rule=MatchRule.UNMATCHED
        )
    )

    Payment.objects.bulk_create(rows)

    assert InvoiceOpenAmount.objects.get(invoice=first).open_ore == first.total_ore - 45_000
    _assert_kept()


def test_an_unmatched_payment_assigned_to_an_invoice(company, customer, finance):
    invoice = _issue(finance, customer)
    payment = Payment.objects.create(
        amount_ore=30_000, date=TODAY(), method=PaymentMethod.OCR, match_rule=MatchRule.UNMATCHED
    )

    services.unmatched_assign(actor=finance, payment=payment, invoice=invoice)

    assert InvoiceOpenAmount.objects.get(invoice=invoice).open_ore == invoice.total_ore - 30_000
    _assert_kept()


def test_a_deleted_payment_is_given_back_by_raw_sql(company, customer, finance):
    invoice = _issue(finance, customer)
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=10_000, date=TODAY() - timedelta(days=2)
    )

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payment WHERE id = %s", [payment.pk])

    row = InvoiceOpenAmount.objects.get(invoice=invoice)
    assert row.open_ore == invoice.total_ore
    assert row.last_date == TODAY() - timedelta(
        days=2
    )  # never moved back: a later date is always safe


def test_the_row_follows_its_invoice_to_another_customer(
    company, customer, other_customer, finance
):
    invoice = _issue(finance, customer)

    with transaction.atomic():
        Invoice.objects.customer_move(from_id=customer.pk, to_id=other_customer.pk)

    assert InvoiceOpenAmount.objects.get(invoice=invoice).customer_id == other_customer.pk
    _assert_kept()


def test_any_sequence_of_bookings_keeps_the_table(company, customer, other_customer, finance):
    rng = random.Random(7)
    invoices = [
        _issue(finance, rng.choice([customer, other_customer]), days_ago=40) for _ in range(4)
    ]
    for _step in range(25):
        invoice = rng.choice(invoices)
        action = rng.choice(["pay", "pay", "refund", "credit", "issue", "unmatched"])
        day = TODAY() - timedelta(days=rng.randint(0, 20))
        if action == "pay":
            services.payment_register(
                actor=finance, invoice=invoice, amount_ore=rng.randint(1, 90_000), date=day
            )
        elif action == "refund":
            paid = sum(invoice.payments.values_list("amount_ore", flat=True))
            if paid > 0:
                services.payment_register(
                    actor=finance,
                    invoice=invoice,
                    amount_ore=-rng.randint(1, paid),
                    date=day,
                    note="Refund",
                )
        elif action == "credit":
            note = invoice_services.credit_note_create(
                actor=finance,
                invoice=invoice,
                lines=[],
                free_lines=[{"description": "Rabatt", "quantity": "1", "unit_price_ore": 5_000}],
            )
            invoice_services.invoice_issue(actor=finance, invoice=note, issue_date=day)
        elif action == "issue":
            invoices.append(
                _issue(
                    finance, rng.choice([customer, other_customer]), days_ago=rng.randint(20, 40)
                )
            )
        else:
            payment = Payment.objects.create(
                amount_ore=rng.randint(1, 50_000),
                date=day,
                method=PaymentMethod.OCR,
                match_rule=MatchRule.UNMATCHED,
            )
            services.unmatched_assign(actor=finance, payment=payment, invoice=invoice)
    _assert_kept()
