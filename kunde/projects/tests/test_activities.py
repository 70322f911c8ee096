"""Activities: a project's budget lines, hours registered on them, their price and the budget
vs actual of each."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.invoices.models import HourlyRate
from kunde.invoices.options import RateBook
from kunde.projects import selectors, services
from kunde.projects.models import Project, TimeEntry
from kunde.projects.pricing import HourPrices, time_entry_price_ore

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def design(manager, project):
    return services.activity_create(
        actor=manager,
        project=project,
        name="Design",
        estimated_minutes=600,
        rate_ore=150000,
    )


@pytest.fixture
def launch(manager, project):
    return services.activity_create(
        actor=manager, project=project, name="Lansering", kind="fixed", fixed_ore=2000000
    )


def register(manager, project, minutes=60, activity=None, employee=None):
    return services.time_entry_create(
        actor=manager,
        project=project,
        employee=employee or manager,
        date=YESTERDAY,
        minutes=minutes,
        activity=activity,
    )


def test_an_activity_is_added_and_logged(design, launch, project):
    assert [(a.name, a.kind, a.position) for a in project.activities.all()] == [
        ("Design", "hourly", 1),
        ("Lansering", "fixed", 2),
    ]
    assert launch.rate_ore == 0 and launch.fixed_ore == 2000000
    assert ActivityEntry.objects.filter(action="project.activity_added").count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "Design"}, "name"),  # taken
        ({"name": "X", "kind": "monthly"}, "kind"),
        ({"name": "X", "estimated_minutes": -1}, "estimated_minutes"),
        ({"name": "X", "rate_ore": 2**40}, "rate_ore"),
    ],
)
def test_a_bad_activity_is_refused(design, manager, project, data, field):
    with pytest.raises(ValidationError) as error:
        services.activity_create(actor=manager, project=project, **data)
    assert field in error.value.message_dict
    assert project.activities.count() == 1


def test_a_reader_may_not_add_activities(reader, project):
    with pytest.raises(PermissionDenied):
        services.activity_create(actor=reader, project=project, name="X")


def test_no_activity_on_a_closed_project(manager, project):
    Project.objects.filter(pk=project.pk).update(status="completed")
    project.refresh_from_db()
    with pytest.raises(ValidationError):
        services.activity_create(actor=manager, project=project, name="X")


def test_hours_on_an_activity_take_its_rate(design, manager, project):
    project.hourly_rate_ore = 90000
    project.save()
    assert register(manager, project, activity=design).sales_rate_ore == 150000
    assert register(manager, project).sales_rate_ore == 90000


def test_hours_on_a_fixed_activity_have_no_hourly_price(launch, manager, project):
    assert register(manager, project, activity=launch).sales_rate_ore == 0


def test_hours_on_another_projects_activity_are_refused(manager, customer, project):
    other = Project.objects.create(number=1002, name="Annet", customer=customer, manager=manager)
    foreign = services.activity_create(actor=manager, project=other, name="Design")
    with pytest.raises(ValidationError) as error:
        register(manager, project, activity=foreign)
    assert "activity" in error.value.message_dict
    assert not TimeEntry.objects.exists()


# The price of an hour


def test_the_price_is_the_activitys_rate_then_the_agreed_rate_then_the_projects(
    design, launch, manager, customer, project
):
    project.hourly_rate_ore = 90000
    project.save()
    on_design = register(manager, project, activity=design)
    on_launch = register(manager, project, activity=launch)
    on_nothing = register(manager, project)
    HourlyRate.objects.create(
        customer=customer, employee=manager, rate_ore=120000, valid_from=dt.date(2020, 1, 1)
    )
    rates = RateBook(customer=customer, every_project=True)
    assert time_entry_price_ore(on_design, rates) == 150000
    assert time_entry_price_ore(on_launch, rates) == 0
    assert time_entry_price_ore(on_nothing, rates) == 120000  # the agreed rate, set later
    prices = HourPrices(customer=customer)  # the same rule, loaded once for many entries
    fresh = TimeEntry.objects.order_by("pk")  # activities not loaded: HourPrices has them
    assert [prices.of(entry) for entry in fresh] == [150000, 0, 120000]
    HourlyRate.objects.all().delete()
    rates = RateBook(customer=customer, every_project=True)
    assert time_entry_price_ore(on_nothing, rates) == 90000


def test_an_hourly_activity_without_a_rate_falls_back_to_the_agreed_rate(
    manager, customer, project
):
    open_rate = services.activity_create(actor=manager, project=project, name="Support")
    entry = register(manager, project, activity=open_rate)
    HourlyRate.objects.create(
        customer=customer, employee=manager, rate_ore=110000, valid_from=dt.date(2020, 1, 1)
    )
    assert time_entry_price_ore(entry, RateBook(customer=customer, every_project=True)) == 110000


# Budget vs actual


def test_budget_vs_actual_per_activity(design, launch, manager, finance, project):
    first = register(manager, project, minutes=120, activity=design)
    register(manager, project, minutes=60, activity=design)
    register(manager, project, minutes=30, activity=launch)
    register(manager, project, minutes=45)
    services.time_entries_approve(actor=finance, ids=[first.pk])
    budgets = {
        b.activity.name if b.activity else None: b for b in selectors.activity_budgets(project)
    }
    assert list(budgets) == ["Design", "Lansering", None]
    d = budgets["Design"]
    assert (d.estimated_minutes, d.minutes, d.approved_minutes, d.invoiced_minutes) == (
        600,
        180,
        120,
        0,
    )
    assert (d.budget_ore, d.value_ore, d.approved_ore, d.invoiced_ore) == (
        1500000,
        450000,
        300000,
        0,
    )
    assert (d.remaining_minutes, d.remaining_ore) == (420, 1500000)
    fixed = budgets["Lansering"]
    assert (fixed.budget_ore, fixed.minutes, fixed.value_ore, fixed.remaining_ore) == (
        2000000,
        30,
        0,
        2000000,
    )
    assert budgets[None].minutes == 45


def test_budgets_take_three_queries(design, launch, manager, project, django_assert_num_queries):
    for _n in range(3):
        register(manager, project, activity=design)
    with django_assert_num_queries(3):
        selectors.activity_budgets(project)


def test_an_activity_over_its_estimate_shows_a_negative_remainder(manager, project):
    small = services.activity_create(
        actor=manager, project=project, name="Liten", estimated_minutes=60, rate_ore=100000
    )
    register(manager, project, minutes=90, activity=small)
    [budget] = selectors.activity_budgets(project)
    assert budget.remaining_minutes == -30


# The weekly grid keeps a row per project and activity


def test_the_week_saves_one_row_per_project_and_activity(design, manager, project):
    services.week_save(
        actor=manager,
        employee=manager,
        rows=[
            {"project": project, "activity": design, "days": {YESTERDAY: 60}},
            {"project": project, "days": {YESTERDAY: 30}},
        ],
    )
    assert sorted(TimeEntry.objects.values_list("activity__name", "minutes"), key=str) == sorted(
        [("Design", 60), (None, 30)], key=str
    )
    # Saving the same week again changes the right entry of each row.
    services.week_save(
        actor=manager,
        employee=manager,
        rows=[{"project": project, "activity": design, "days": {YESTERDAY: 90}}],
    )
    assert TimeEntry.objects.get(activity=design).minutes == 90
    assert TimeEntry.objects.get(activity=None).minutes == 30
    monday = YESTERDAY - dt.timedelta(days=YESTERDAY.weekday())
    days = [monday + dt.timedelta(days=k) for k in range(7)]
    rows = selectors.week_rows(employee=manager, days=days)
    assert {(row.project, row.activity) for row in rows} == {(project, design), (project, None)}
