"""The database keeps the issued documents summed per customer, project, month, currency and kind
(`InvoiceMonth`) through issuing, bulk inserts and a merge's customer moves: each test compares
the table with the documents summed in SQL, and with a rebuild."""

from collections import defaultdict
from datetime import date

from django.db import connection, transaction

from kunde.customers.services import customer_create
from kunde.invoices import services as invoice_services
from kunde.invoices.models import Invoice
from kunde.stats.invoice_months import INVOICE_MONTHS
from kunde.stats.models import InvoiceMonth


def _expected() -> dict:
    sums = defaultdict(lambda: [0, 0])
    for invoice in Invoice.objects.filter(status="issued"):
        key = (
            invoice.customer_id,
            invoice.project_id,
            invoice.issue_date.replace(day=1),
            invoice.currency,
            invoice.kind,
        )
        sums[key][0] += invoice.net_ore
        sums[key][1] += 1
    return {key: tuple(value) for key, value in sums.items()}


def _kept() -> dict:
    sums = defaultdict(lambda: [0, 0])
    for row in InvoiceMonth.objects.all():
        key = (row.customer_id, row.project_id, row.month, row.currency, row.kind)
        sums[key][0] += row.net_ore
        sums[key][1] += row.documents
    return {key: tuple(value) for key, value in sums.items() if value != [0, 0]}


def _assert_kept():
    expected = _expected()
    assert _kept() == expected
    with transaction.atomic():
        INVOICE_MONTHS.rebuild(connection)
        assert _kept() == expected


def _issue(finance, customer, day, *, project=None, price=100_000):
    draft = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        project=project,
        lines=[{"description": "Rådgivning", "quantity": "1", "unit_price_ore": price}],
    )
    return invoice_services.invoice_issue(actor=finance, invoice=draft, issue_date=day)


def test_issued_documents_are_summed_per_month_and_a_draft_is_not(
    company, customer, project, finance, draft
):
    first = _issue(finance, customer, date(2026, 3, 31))
    _issue(finance, customer, date(2026, 3, 1), price=50_000)
    _issue(finance, customer, date(2026, 4, 1), project=project)
    credit_note = invoice_services.credit_note_create(actor=finance, invoice=first)
    invoice_services.invoice_issue(actor=finance, invoice=credit_note, issue_date=date(2026, 4, 2))

    march = InvoiceMonth.objects.get(month=date(2026, 3, 1), kind="invoice")
    assert (march.net_ore, march.documents, march.project_id) == (150_000, 2, None)
    assert InvoiceMonth.objects.get(kind="credit_note").net_ore == -100_000
    assert InvoiceMonth.objects.get(month=date(2026, 4, 1), kind="invoice").project_id == (
        project.pk
    )
    _assert_kept()


def test_documents_inserted_as_issued_and_in_another_currency(company, customer, finance, manager):
    Invoice.objects.bulk_create(
        [
            Invoice(
                customer=customer,
                status="issued",
                kind="invoice",
                number=number,
                issue_date=date(2026, 5, day),
                due_date=date(2026, 5, 28),
                currency=currency,
                net_ore=net,
                total_ore=net,
                created_by=finance,
            )
            for number, day, currency, net in [(1, 2, "NOK", 10_000), (2, 9, "EUR", 700)]
        ]
    )

    assert {(r.currency, r.net_ore) for r in InvoiceMonth.objects.all()} == {
        ("NOK", 10_000),
        ("EUR", 700),
    }
    _assert_kept()


def test_a_customer_move_and_its_way_back_move_the_sums(company, customer, finance, manager):
    other = customer_create(actor=manager, data={"name": "Havbris Design AS"})
    _issue(finance, customer, date(2026, 6, 3))
    _issue(finance, other, date(2026, 6, 20), price=30_000)

    with transaction.atomic():
        Invoice.objects.customer_move(from_id=customer.pk, to_id=other.pk)
    june = InvoiceMonth.objects.filter(customer=other, month=date(2026, 6, 1))
    assert sum(row.net_ore for row in june) == 130_000
    assert not InvoiceMonth.objects.filter(customer=customer).exists()  # emptied rows go
    _assert_kept()

    with transaction.atomic():
        Invoice.objects.customer_move(from_id=other.pk, to_id=customer.pk)
    _assert_kept()
