"""The database keeps payments summed per customer and month (`PaymentMonth`) through the
services, bulk inserts, the assignment of an unmatched payment, a merge's move and raw deletes:
each test compares the table with the payments summed in Python, and with a rebuild; and
`kunde stats-rebuild` repairs the kept tables."""

import io
from collections import defaultdict
from datetime import date

from django.core.management import call_command
from django.db import connection, transaction

from kunde.customers.services import customer_create
from kunde.invoices import services as invoice_services
from kunde.payments import services
from kunde.payments.models import InvoiceOpenAmount, MatchRule, Payment, PaymentMethod
from kunde.stats.models import InvoiceMonth, PaymentMonth
from kunde.stats.payment_months import PAYMENT_MONTHS


def _expected() -> dict:
    sums = defaultdict(lambda: [0, 0])
    for p in Payment.objects.filter(customer__isnull=False).select_related("invoice"):
        invoice = p.invoice
        key = (
            p.customer_id,
            invoice.project_id if invoice else None,
            p.date.replace(day=1),
            p.currency,
            p.method,
            p.amount_ore > 0,
            (p.date - invoice.issue_date).days if invoice else None,
            bool(invoice and invoice.due_date and p.date > invoice.due_date),
        )
        sums[key][0] += p.amount_ore
        sums[key][1] += 1
    return {key: tuple(value) for key, value in sums.items()}


def _kept() -> dict:
    sums = defaultdict(lambda: [0, 0])
    for r in PaymentMonth.objects.all():
        key = (r.customer_id, r.project_id, r.month, r.currency, r.method)
        key += (r.received, r.days, r.late)
        sums[key][0] += r.amount_ore
        sums[key][1] += r.payments
    return {key: tuple(value) for key, value in sums.items() if value != [0, 0]}


def _assert_kept():
    expected = _expected()
    assert _kept() == expected
    with transaction.atomic():
        PAYMENT_MONTHS.rebuild(connection)
        assert _kept() == expected


def _issue(finance, customer, day, *, project=None):
    draft = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        project=project,
        lines=[{"description": "Rådgivning", "quantity": "1", "unit_price_ore": 100_000}],
    )
    return invoice_services.invoice_issue(actor=finance, invoice=draft, issue_date=day)


def test_payments_are_summed_by_month_days_and_lateness(company, customer, project, finance):
    invoice = _issue(finance, customer, date(2026, 3, 2), project=project)  # due 16 March
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=40_000, date=date(2026, 3, 12)
    )
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=60_000, date=date(2026, 4, 1)
    )
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=-10_000, date=date(2026, 4, 3), note="Refund"
    )

    april = PaymentMonth.objects.get(month=date(2026, 4, 1), received=True)
    assert (april.amount_ore, april.days, april.late, april.project_id) == (
        60_000,
        30,
        True,
        project.pk,
    )
    march = PaymentMonth.objects.get(month=date(2026, 3, 1))
    assert (march.days, march.late) == (10, False)
    _assert_kept()


def test_bulk_inserts_unmatched_payments_and_their_assignment(company, customer, finance):
    invoice = _issue(finance, customer, date(2026, 5, 4))
    Payment.objects.bulk_create(
        [
            Payment(
                customer=customer,
                invoice=invoice if on_invoice else None,
                amount_ore=amount,
                date=date(2026, 5, day),
                method=PaymentMethod.OCR,
                match_rule=MatchRule.KID_PARTIAL if on_invoice else MatchRule.MANUAL,
            )
            for day, amount, on_invoice in [(6, 1_000, True), (6, 2_000, True), (7, 500, False)]
        ]
        + [
            Payment(
                amount_ore=3_000,
                date=date(2026, 5, 8),
                method=PaymentMethod.OCR,
                match_rule=MatchRule.UNMATCHED,
            )
        ]
    )
    assert PaymentMonth.objects.get(days=2).amount_ore == 3_000
    _assert_kept()  # the unmatched payment is in no customer's month

    unmatched = Payment.objects.get(match_rule=MatchRule.UNMATCHED)
    services.unmatched_assign(actor=finance, payment=unmatched, invoice=invoice)

    assert PaymentMonth.objects.get(days=4).amount_ore == 3_000
    _assert_kept()


def test_a_merge_move_and_a_raw_delete(company, customer, finance, manager):
    other = customer_create(actor=manager, data={"name": "Havbris Design AS"})
    invoice = _issue(finance, customer, date(2026, 6, 1))
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=5_000, date=date(2026, 6, 2)
    )

    with connection.cursor() as cursor:  # as the merge moves them
        cursor.execute(
            "UPDATE payments_payment SET customer_id = %s WHERE customer_id = %s",
            [other.pk, customer.pk],
        )
    assert PaymentMonth.objects.filter(customer=other).get().amount_ore == 5_000
    _assert_kept()

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM payments_payment WHERE id = %s", [payment.pk])
    _assert_kept()


def test_stats_rebuild_repairs_the_kept_tables(company, customer, finance):
    invoice = _issue(finance, customer, date(2026, 6, 1))
    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=5_000, date=date(2026, 6, 2)
    )
    with connection.cursor() as cursor:  # as a write without the triggers would leave them
        cursor.execute("DELETE FROM stats_paymentmonth")
        cursor.execute("DELETE FROM stats_invoicemonth")
        cursor.execute("UPDATE payments_invoiceopenamount SET open_ore = 0")

    call_command("stats-rebuild", stdout=io.StringIO())

    assert _kept() == _expected()
    assert InvoiceMonth.objects.get().net_ore == invoice.net_ore
    assert InvoiceOpenAmount.objects.get().open_ore == invoice.total_ore - 5_000
