"""A hand-built customer whose figures are worked out by hand in test_figures.py."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kunde.invoices.models import Invoice, InvoiceLine
from kunde.payments.models import Payment
from kunde.projects.models import Expense, Project, TimeEntry
from kunde.stats.periods import Period
from kunde.stats.selectors import Scope
from kunde.stats.summary import summary_rebuild

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
TODAY = date(2026, 7, 15)


@pytest.fixture
def ledger(db, customer, manager, finance):
    counter = iter(range(1, 100))

    def document(issue, net, project, *, credited=None, lines=(), status="issued"):
        invoice = Invoice.objects.create(
            kind="credit_note" if credited else "invoice",
            customer=customer,
            project=project,
            credited_invoice=credited,
            net_ore=net,
            vat_ore=net // 4,
            total_ore=net + net // 4,
            created_by=finance,
        )
        made = [
            InvoiceLine.objects.create(
                invoice=invoice, description="Timer", quantity=1, unit_price_ore=price
            )
            for price in lines
        ]
        if status == "issued":
            Invoice.objects.filter(pk=invoice.pk).update(
                status="issued",
                number=next(counter),
                issue_date=issue,
                due_date=issue + timedelta(days=14),
                issued_by=finance,
                issued_at=timezone.now(),
            )
        invoice.refresh_from_db()
        return invoice, made

    p1 = Project.objects.create(number=1, name="Intranett", customer=customer)
    p2 = Project.objects.create(number=2, name="Nettbutikk", customer=customer)
    i0, _ = document(date(2025, 12, 15), 50_000, None)
    i1, (line1,) = document(date(2026, 1, 10), 100_000, p1, lines=[110_000])
    i2, _ = document(date(2026, 2, 10), 200_000, p1)
    c1, _ = document(date(2026, 3, 1), -40_000, p1, credited=i2)
    i3, _ = document(date(2026, 6, 20), 80_000, p2)
    _draft, (draft_line,) = document(None, 999, p2, lines=[90_000], status="draft")

    def pay(invoice, amount, day, method="bank"):
        Payment.objects.create(
            customer=customer,
            invoice=invoice,
            amount_ore=amount,
            date=day,
            method=method,
            match_rule="write_off" if method == "write_off" else "manual",
        )

    pay(i1, 125_000, date(2026, 1, 20))
    pay(i2, 100_000, date(2026, 3, 10))
    pay(i0, 62_500, date(2026, 1, 5))
    pay(i2, 10_000, date(2026, 4, 1), method="write_off")

    def hours(employee, day, minutes, cost, sales, project=p1, billable=True, line=None):
        TimeEntry.objects.create(
            project=project,
            employee=employee,
            date=day,
            minutes=minutes,
            billable=billable,
            approved=True,
            cost_rate_ore=cost,
            sales_rate_ore=sales,
            invoice_line=line,
        )

    hours(manager, date(2026, 1, 5), 120, 50_000, 120_000, line=line1)
    hours(finance, date(2026, 2, 3), 90, 40_000, 90_000)
    hours(manager, date(2026, 2, 4), 45, 50_000, 0, billable=False)
    hours(manager, date(2025, 12, 20), 60, 50_000, 120_000)
    hours(finance, date(2026, 3, 1), 30, 40_000, 90_000, project=p2, line=draft_line)
    hours(manager, date(2026, 4, 1), 7, 10_001, 0, billable=False)
    Expense.objects.create(
        project=p1, date=date(2026, 5, 1), description="Lisens", cost_ore=30_000, sales_ore=36_000
    )
    Expense.objects.create(
        project=p1, date=date(2025, 11, 1), description="Før", cost_ore=5_000, sales_ore=6_000
    )
    summary_rebuild()  # the rows above were written without the services
    return SimpleNamespace(
        customer=customer,
        p1=p1,
        p2=p2,
        scope=Scope(customer.pk, PERIOD, None, TODAY),
        invoices=(i0, i1, i2, c1, i3),
    )
