"""Every figure against an independent computation in Python on generated data: credit notes,
partial payments, overpayments (customer credit), reversals, write-offs, another currency,
hours on issued and draft invoices, and periods whose edges cut through all of it."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kunde.customers.models import Customer
from kunde.invoices.models import Invoice, InvoiceLine
from kunde.payments.models import Payment
from kunde.projects.models import Expense, Project, TimeEntry
from kunde.stats import drill, selectors
from kunde.stats.periods import Period
from kunde.stats.summary import summary_rebuild

DAY0 = date(2025, 1, 1)
TODAY = date(2025, 12, 31)


def day(offset):
    return DAY0 + timedelta(days=offset)


invoice_st = st.tuples(
    st.integers(0, 300),  # issue day
    st.integers(1, 10**7),  # net øre
    st.integers(0, 30),  # credit days
    st.sampled_from([None, 0, 1]),  # project
    st.sampled_from(["NOK", "NOK", "NOK", "EUR"]),
    st.integers(0, 100),  # per cent credited (0: no credit note)
    st.integers(0, 60),  # credit note days after the invoice
)
payment_st = st.tuples(
    st.integers(0, 9),  # which invoice (modulo), or customer credit when beyond
    st.integers(-(10**6), 2 * 10**7).filter(bool),  # amount: reversals, partial, overpayment
    st.integers(0, 120),  # days after the invoice
    st.sampled_from(["bank", "bank", "ocr", "write_off", "credit"]),
    st.booleans(),  # on the invoice, or the customer's credit
)
hours_st = st.tuples(
    st.integers(-20, 380),  # day
    st.integers(1, 600),  # minutes
    st.booleans(),  # billable
    st.integers(0, 200_001),  # cost rate
    st.integers(0, 200_001),  # sales rate
    st.sampled_from([0, 1]),  # project
    st.sampled_from([None, "issued", "draft"]),  # on an invoice line
    st.integers(1, 300_000),  # the line's price
)
expense_st = st.tuples(st.integers(-20, 380), st.integers(0, 10**6), st.sampled_from([0, 1]))
period_st = st.tuples(
    st.one_of(st.none(), st.integers(-30, 400)), st.one_of(st.none(), st.integers(-30, 400))
)


def round_value(minutes, rate):
    return int((Decimal(minutes) * rate / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    invoices=st.lists(invoice_st, max_size=8),
    payments=st.lists(payment_st, max_size=10),
    hours=st.lists(hours_st, max_size=12),
    expenses=st.lists(expense_st, max_size=4),
    period=period_st,
    one_project=st.booleans(),
)
def test_every_figure_against_python(
    finance, manager, invoices, payments, hours, expenses, period, one_project
):
    customer = Customer.objects.create(name="Generert AS", number=20_000 + Customer.objects.count())
    projects = [
        Project.objects.create(number=Project.objects.count() + 1, name=f"P{i}", customer=customer)
        for i in range(2)
    ]
    start, end = period
    if start is not None and end is not None and start > end:
        start, end = end, start
    scope = selectors.Scope(
        customer.pk,
        Period(start is not None and day(start) or None, end is not None and day(end) or None),
        projects[0].pk if one_project else None,
        TODAY,
    )
    numbers = iter(range(Invoice.objects.count() * 10 + 1, 10**9))

    def issue(invoice, issue_date, credit_days):
        Invoice.objects.filter(pk=invoice.pk).update(
            status="issued",
            number=next(numbers),
            issue_date=issue_date,
            due_date=issue_date + timedelta(days=credit_days),
            issued_at=timezone.now(),
        )
        invoice.refresh_from_db()

    def make(net, project, currency, credited=None, prices=()):
        invoice = Invoice.objects.create(
            kind="credit_note" if credited else "invoice",
            customer=customer,
            project=project,
            credited_invoice=credited,
            currency=currency,
            net_ore=net,
            vat_ore=net // 4,
            total_ore=net + net // 4,
            created_by=finance,
        )
        lines = [
            InvoiceLine.objects.create(
                invoice=invoice, description="x", quantity=1, unit_price_ore=price
            )
            for price in prices
        ]
        return invoice, lines

    # Hours first: their lines go on one extra invoice (issued) or a draft.
    issued_prices = [h[7] for h in hours if h[6] == "issued"]
    draft_prices = [h[7] for h in hours if h[6] == "draft"]
    hour_invoice, issued_lines = make(10_000, projects[0], "NOK", prices=issued_prices)
    issue(hour_invoice, day(200), 14)
    _draft, draft_lines = make(10_000, projects[0], "NOK", prices=draft_prices)
    issued_iter, draft_iter = iter(issued_lines), iter(draft_lines)
    entries = []
    for offset, minutes, billable, cost, sales, p, on, _price in hours:
        line = next(issued_iter) if on == "issued" else next(draft_iter) if on else None
        entries.append(
            TimeEntry.objects.create(
                project=projects[p],
                employee=manager,
                date=day(offset),
                minutes=minutes,
                billable=billable,
                cost_rate_ore=cost,
                sales_rate_ore=sales,
                invoice_line=line,
            )
        )
    made = [(hour_invoice, None)]
    for offset, net, credit_days, p, currency, percent, later in invoices:
        project = None if p is None else projects[p]
        invoice, _lines = make(net, project, currency)
        issue(invoice, day(offset), credit_days)
        credit = None
        if percent:
            credited = -(net * percent // 100) or -1
            credit, _lines = make(credited, project, currency, credited=invoice)
            issue(credit, day(offset + later), 0)
        made.append((invoice, credit))
    booked = []
    for which, amount, later, method, on_invoice in payments:
        invoice = made[which % len(made)][0]
        booked.append(
            Payment.objects.create(
                customer=customer,
                invoice=invoice if on_invoice else None,
                amount_ore=amount,
                currency=invoice.currency,
                date=invoice.issue_date + timedelta(days=later),
                method=method,
                match_rule="manual",
            )
        )
    spent = [
        Expense.objects.create(
            project=projects[p], date=day(offset), description="x", cost_ore=cost, sales_ore=cost
        )
        for offset, cost, p in expenses
    ]

    # The independent computation ------------------------------------------------------------
    def in_period(d):
        return (scope.period.start is None or d >= scope.period.start) and (
            scope.period.end is None or d <= scope.period.end
        )

    def in_project(project_id):
        return scope.project_id is None or project_id == scope.project_id

    documents = [d for pair in made for d in pair if d is not None]
    nok_docs = [
        d
        for d in documents
        if d.currency == "NOK" and in_period(d.issue_date) and in_project(d.project_id)
    ]
    expected = {
        "invoiced_ore": sum(d.net_ore for d in nok_docs),
        "credited_ore": -sum(d.net_ore for d in nok_docs if d.kind == "credit_note"),
        "invoice_count": sum(1 for d in nok_docs if d.kind == "invoice"),
    }
    received = [
        p
        for p in booked
        if p.currency == "NOK"
        and p.method != "write_off"
        and in_period(p.date)
        and (scope.project_id is None or (p.invoice and p.invoice.project_id == scope.project_id))
    ]
    expected["paid_ore"] = sum(p.amount_ore for p in received)
    as_of = scope.as_of
    outstanding = overdue = 0
    for invoice, credit in made:
        if (
            invoice.currency != "NOK"
            or invoice.issue_date > as_of
            or not in_project(invoice.project_id)
        ):
            continue
        open_ore = invoice.total_ore
        if credit is not None and credit.issue_date <= as_of:
            open_ore += credit.total_ore
        open_ore -= sum(p.amount_ore for p in booked if p.invoice == invoice and p.date <= as_of)
        if open_ore > 0:
            outstanding += open_ore
            if invoice.due_date < as_of:
                overdue += open_ore
    expected["outstanding_ore"] = outstanding
    expected["overdue_ore"] = overdue
    mine = [e for e in entries if in_period(e.date) and in_project(e.project_id)]
    issued_ids = {line.pk for line in issued_lines}
    invoiced = [e for e in mine if e.invoice_line_id in issued_ids]
    uninvoiced = [e for e in mine if e.billable and e.invoice_line_id not in issued_ids]
    prices = {line.pk: line.unit_price_ore for line in issued_lines}
    expected |= {
        "hours_registered_minutes": sum(e.minutes for e in mine),
        "hours_billable_minutes": sum(e.minutes for e in mine if e.billable),
        "hours_invoiced_minutes": sum(e.minutes for e in invoiced),
        "hours_invoiced_value_ore": sum(
            round_value(e.minutes, prices[e.invoice_line_id]) for e in invoiced
        ),
        "hours_uninvoiced_minutes": sum(e.minutes for e in uninvoiced),
        "hours_uninvoiced_value_ore": sum(
            round_value(e.minutes, e.sales_rate_ore) for e in uninvoiced
        ),
        "hours_cost_ore": sum(round_value(e.minutes, e.cost_rate_ore) for e in mine),
        "expenses_ore": sum(
            x.cost_ore for x in spent if in_period(x.date) and in_project(x.project_id)
        ),
    }
    paid_in = [
        p for p in received if p.invoice and p.amount_ore > 0 and p.method not in ("credit",)
    ]
    weight = sum(p.amount_ore for p in paid_in)
    if weight:
        days = sum(p.amount_ore * (p.date - p.invoice.issue_date).days for p in paid_in)
        expected_average = (Decimal(days) / weight).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    else:
        expected_average = None

    summary_rebuild()  # the rows above were written without the services
    stats = selectors.customer_statistics(scope, projects=projects)
    assert {key: getattr(stats, key) for key in expected} == expected
    assert stats.average_days_to_pay == expected_average
    assert stats.margin_ore == expected["invoiced_ore"] - (
        expected["hours_cost_ore"] + expected["expenses_ore"]
    )
    assert sum(m.invoiced_ore for m in stats.per_month) == stats.invoiced_ore
    assert sum(m.paid_ore for m in stats.per_month) == stats.paid_ore
    assert sum(e.minutes for e in stats.employees) == stats.hours_registered_minutes
    assert sum(p.margin_ore for p in stats.per_project) == stats.margin_ore
    assert sum(stats.outstanding_by_age.values()) == stats.outstanding_ore
    for figure in ("invoiced", "paid", "outstanding", "hours_cost", "expenses"):
        rows = drill.drill(replace(scope), figure)
        assert rows.total() == getattr(stats, f"{figure}_ore")
