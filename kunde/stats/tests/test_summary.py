"""The hours summary after any sequence of service calls equals a rebuild from the time entries;
the statistics value hours not yet invoiced at the draft's price."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kunde.customers.models import Customer
from kunde.invoices import services as invoices
from kunde.invoices.options import RateBook
from kunde.invoices.selectors import uninvoiced_work
from kunde.invoices.services_options import hourly_rate_add, hourly_rate_delete
from kunde.merges.services import customer_merge, merge_undo
from kunde.projects import services as projects
from kunde.projects.csv_import import time_entries_import
from kunde.projects.models import Project, TimeEntry
from kunde.projects.pricing import time_entry_price_ore
from kunde.stats import selectors
from kunde.stats.models import CustomerHours, HoursSummary
from kunde.stats.periods import Period
from kunde.stats.summary import summary_rebuild, summary_rows

TODAY = timezone.localdate()

operation_st = st.one_of(
    st.tuples(
        st.just("create"),
        st.integers(0, 1),  # project
        st.integers(0, 1),  # employee
        st.integers(0, 70),  # days ago: a few months
        st.integers(1, 600),  # minutes
        st.booleans(),  # billable
    ),
    st.tuples(st.just("update"), st.integers(0, 50), st.integers(1, 600), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("approve"), st.integers(0, 50)),
    st.tuples(st.just("invoice"), st.integers(0, 1)),  # a draft from hours, issued
    st.tuples(st.just("credit"), st.integers(0, 9)),  # credit an issued invoice, hours back
    st.tuples(st.just("rate"), st.integers(0, 1), st.integers(50_000, 200_000)),
    st.tuples(st.just("unrate"), st.integers(0, 9)),
    st.tuples(st.just("import"), st.integers(0, 1), st.integers(1, 8)),
)


def _run(op, *, finance, staff, project_list, customer, issued, rates):
    kind = op[0]
    entries = list(TimeEntry.objects.filter(project__in=project_list).order_by("pk"))
    if kind == "create":
        _kind, p, e, ago, minutes, billable = op
        projects.time_entry_create(
            actor=finance,
            project=project_list[p],
            employee=staff[e],
            date=TODAY - timedelta(days=ago),
            minutes=minutes,
            billable=billable,
        )
    elif kind in ("update", "delete", "approve") and entries:
        entry = entries[op[1] % len(entries)]
        if kind == "update":
            projects.time_entry_update(
                actor=finance, entry=entry, minutes=op[2], description="", billable=op[3]
            )
        elif kind == "delete":
            projects.time_entry_delete(actor=finance, entry=entry)
        else:
            projects.time_entries_approve(actor=finance, ids=[entry.pk])
    elif kind == "invoice":
        draft = invoices.invoice_draft_create(
            actor=finance, customer=customer, project=project_list[op[1]], from_project_hours=True
        )
        issued.append(invoices.invoice_issue(actor=finance, invoice=draft))
    elif kind == "credit" and issued:
        invoice = issued.pop(op[1] % len(issued))
        note = invoices.credit_note_create(actor=finance, invoice=invoice, reopen_hours=True)
        invoices.invoice_issue(actor=finance, invoice=note)
    elif kind == "rate":
        rates.append(
            hourly_rate_add(
                actor=finance,
                customer=customer,
                data={
                    "employee": staff[op[1]],
                    "project": None,
                    "rate_ore": op[2],
                    "valid_from": TODAY - timedelta(days=30),
                    "valid_until": None,
                },
            )
        )
    elif kind == "unrate" and rates:
        hourly_rate_delete(actor=finance, rate=rates.pop(op[1] % len(rates)))
    elif kind == "import":
        day = (TODAY - timedelta(days=2)).isoformat()
        number = project_list[op[1]].number
        rows = "".join(
            f"{day},{staff[i % 2].username},{number},15,x,{'yes' if i % 3 else 'no'}\n"
            for i in range(op[2])
        )
        time_entries_import(
            actor=finance,
            data=f"date,employee,project,minutes,description,billable\n{rows}".encode(),
        )


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation_st, max_size=12))
def test_the_summary_after_any_services_equals_a_rebuild(company, finance, manager, operations):
    customer = Customer.objects.create(name="Timer AS", number=30_000 + Customer.objects.count())
    project_list = [
        Project.objects.create(
            number=5_000 + Project.objects.count(),
            name=f"P{i}",
            customer=customer,
            manager=manager,
            hourly_rate_ore=100_000 + i,
        )
        for i in range(2)
    ]
    issued, rates = [], []
    for op in operations:
        try:
            _run(
                op,
                finance=finance,
                staff=[finance, manager],
                project_list=project_list,
                customer=customer,
                issued=issued,
                rates=rates,
            )
        except ValidationError:
            pass  # refused (24 hours a day, locked hours, nothing to invoice): nothing changed
    kept = summary_rows()
    summary_rebuild()
    assert kept == summary_rows()
    assert not HoursSummary.objects.filter(entries__lte=0).exists()
    assert not CustomerHours.objects.filter(entries__lte=0).exists()


def test_hours_not_yet_invoiced_are_valued_at_the_drafts_price(
    company, customer, project, finance, manager
):
    """An agreed rate made after the hours were registered: the statistics and the draft from
    hours both price the hours at it."""
    day = TODAY - timedelta(days=3)
    entry = projects.time_entry_create(
        actor=finance, project=project, employee=manager, date=day, minutes=90
    )
    projects.time_entries_approve(actor=finance, ids=[entry.pk])
    hourly_rate_add(
        actor=finance,
        customer=customer,
        data={
            "employee": manager,
            "project": project,
            "rate_ore": 150_000,
            "valid_from": day,
            "valid_until": None,
        },
    )
    entry.refresh_from_db()
    price = time_entry_price_ore(entry, RateBook(customer=customer, every_project=True))
    assert price == 150_000 != entry.sales_rate_ore
    [work] = uninvoiced_work(customer=customer, project=project)
    [line] = work.lines
    assert line.unit_price_ore == price
    scope = selectors.Scope(customer.pk, Period(None, None), None, TODAY)
    stats = selectors.customer_statistics(scope, projects=[project])
    assert stats.hours_uninvoiced_minutes == 90
    assert stats.hours_uninvoiced_value_ore == 90 * price // 60 == work.hours_net_ore


def test_hours_on_an_activity_are_valued_at_its_rate_as_in_the_draft(
    company, customer, project, finance, manager
):
    """The activity's rate wins over an agreed rate, in the statistics as in the draft; hours on
    a fixed-price activity are not invoiced by the hour (its milestones are)."""
    day = TODAY - timedelta(days=3)
    hourly_rate_add(
        actor=finance,
        customer=customer,
        data={
            "employee": manager,
            "project": None,
            "rate_ore": 150_000,
            "valid_from": day,
            "valid_until": None,
        },
    )
    design = projects.activity_create(
        actor=finance, project=project, name="Design", estimated_minutes=600, rate_ore=120_000
    )
    fixed = projects.activity_create(
        actor=finance, project=project, name="Oppsett", kind="fixed", fixed_ore=500_000
    )
    for activity in (design, fixed):
        entry = projects.time_entry_create(
            actor=finance,
            project=project,
            employee=manager,
            date=day,
            minutes=90,
            activity=activity,
        )
        projects.time_entries_approve(actor=finance, ids=[entry.pk])
    [work] = uninvoiced_work(customer=customer, project=project)
    scope = selectors.Scope(customer.pk, Period(None, None), None, TODAY)
    stats = selectors.customer_statistics(scope, projects=[project])
    assert stats.hours_uninvoiced_value_ore == 90 * 120_000 // 60 == work.hours_net_ore
    kept = summary_rows()
    summary_rebuild()
    assert kept == summary_rows()


@pytest.mark.parametrize("agreed_rate", [False, True])
def test_a_merge_and_its_undo_move_the_hours_and_keep_the_summary_whole(
    company, customer, project, admin, finance, manager, agreed_rate
):
    other = Customer.objects.create(name="Duplikat AS", number=40_001)
    moved = Project.objects.create(number=7_001, name="Flyttes", customer=other, manager=manager)
    if agreed_rate:  # the survivor's rate prices the moved hours after the merge
        hourly_rate_add(
            actor=finance,
            customer=customer,
            data={
                "employee": manager,
                "project": None,
                "rate_ore": 170_000,
                "valid_from": TODAY - timedelta(days=30),
                "valid_until": None,
            },
        )
    for each, minutes in ((project, 60), (moved, 90)):
        projects.time_entry_create(
            actor=finance,
            project=each,
            employee=manager,
            date=TODAY - timedelta(days=1),
            minutes=minutes,
        )
    scope = selectors.Scope(customer.pk, Period(None, None), None, TODAY)
    record = customer_merge(
        actor=finance, survivor=customer, merged=other, allow_different_organization=True
    )
    kept = summary_rows()
    summary_rebuild()
    assert kept == summary_rows()
    assert selectors.customer_statistics(scope).hours_registered_minutes == 150
    merge_undo(actor=admin, record=record)
    kept = summary_rows()
    summary_rebuild()
    assert kept == summary_rows()
    assert selectors.customer_statistics(scope).hours_registered_minutes == 60
