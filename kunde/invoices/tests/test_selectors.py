"""What can be invoiced from hours: the summary the "new invoice" page shows is the draft that
is made from it, to the øre; a draft with nothing to invoice is refused and leaves no trace."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.invoices import selectors, services
from kunde.invoices.models import HourlyRate, Invoice, InvoiceLine, InvoiceOptions
from kunde.projects.models import Expense, Project, TimeEntry


def _lines(lines):
    return [
        (line.description, line.quantity, line.unit_price_ore, line.net_ore, line.vat_rate)
        for line in lines
    ]


@pytest.fixture
def awkward(company, customer, project, hours, manager, finance):
    """Amounts that round: 7 minutes at an agreed project rate of 1 234,57 kr with a 12,5 %
    discount, an invoice fee and an expense."""
    InvoiceOptions.objects.create(
        level="project", project=project, discount_percent=Decimal("12.5"), invoice_fee_ore=4900
    )
    HourlyRate.objects.create(
        customer=customer,
        project=project,
        employee=finance,
        valid_from=date(2026, 1, 1),
        rate_ore=123457,
    )
    TimeEntry.objects.create(
        project=project,
        employee=finance,
        date=date(2026, 10, 4),
        minutes=7,
        sales_rate_ore=90000,
        approved=True,
    )
    Expense.objects.create(
        project=project,
        date=date(2026, 10, 4),
        description="Ferje",
        cost_ore=10001,
        sales_ore=12345,
        approved=True,
    )
    return project


@pytest.mark.parametrize("hour_lines", ["employee", "price", "entry"])
def test_the_summary_is_the_draft_made_from_it(awkward, customer, finance, hour_lines):
    InvoiceOptions.objects.filter(project=awkward).update(hour_lines=hour_lines)
    [work] = selectors.uninvoiced_work(customer=customer)
    invoice = services.invoice_draft_create(
        actor=finance, customer=customer, project=awkward, from_project_hours=True
    )
    stored = list(invoice.lines.order_by("position"))
    assert _lines(stored[:-1]) == _lines(work.lines)  # the last line is the invoice fee
    assert invoice.net_ore == work.net_ore + work.options.invoice_fee_ore
    assert work.hours == Decimal("6.617")  # 4,5 + 2 + 7 minutes
    by_employee = {str(h.employee): (h.minutes, h.rate_ore, h.net_ore) for h in work.employees}
    # 2,117 h at the agreed project rate (not the entries' 900 kr), less 12,5 %.
    assert by_employee["Frida Finans"] == (127, 123457, 228689)
    assert [e.description for e in work.expenses] == ["Ferje"]


def test_the_summary_groups_work_per_project_in_a_fixed_number_of_queries(
    company, customer, project, hours, manager
):
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.uninvoiced_work(customer=customer)) == 1
    for number in (1002, 1003):
        other = Project.objects.create(
            number=number, name=f"P{number}", customer=customer, manager=manager
        )
        TimeEntry.objects.create(
            project=other, employee=manager, date=date(2026, 10, 5), minutes=30, approved=True
        )
    with CaptureQueriesContext(connection) as three:
        work = selectors.uninvoiced_work(customer=customer)
    assert [w.project.number for w in work] == [1003, 1002, 1001]
    assert len(three) == len(one) == 8


def test_work_up_to_a_date_and_already_invoiced_work_are_left_out(
    company, customer, project, hours, finance
):
    [work] = selectors.uninvoiced_work(customer=customer, until=date(2026, 10, 1))
    assert work.minutes == 180
    services.invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )
    assert selectors.uninvoiced_work(customer=customer) == []


def test_a_draft_from_hours_with_nothing_waiting_is_refused_and_nothing_made(
    company, customer, project, finance
):
    TimeEntry.objects.create(  # not approved yet
        project=project, employee=finance, date=date(2026, 10, 1), minutes=60
    )
    with pytest.raises(ValidationError) as refused:
        services.invoice_draft_create(
            actor=finance, customer=customer, project=project, from_project_hours=True
        )
    assert "no approved, billable hours or expenses" in refused.value.message_dict["project"][0]
    assert (Invoice.objects.count(), InvoiceLine.objects.count()) == (0, 0)


def test_free_lines_with_no_hours_waiting_still_make_a_draft(company, customer, project, finance):
    invoice = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        project=project,
        from_project_hours=True,
        lines=[{"description": "Workshop", "quantity": 1, "unit_price_ore": 100000}],
    )
    assert invoice.net_ore == 100000
