"""The approvals page across projects: a manager's projects (finance: all), grouped by project
and employee, approved in one go."""

import datetime as dt

import pytest
from django.utils import timezone

from kunde.projects import selectors, services
from kunde.projects.models import Expense, Project, TimeEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def others(customer, finance):
    """A project managed by finance, with open hours."""
    project = Project.objects.create(
        number=1002, name="Regnskap", customer=customer, manager=finance
    )
    services.time_entry_create(
        actor=finance, project=project, employee=finance, date=TODAY, minutes=45
    )
    return project


def register(actor, project, employee, minutes=60, days_ago=0):
    return services.time_entry_create(
        actor=actor,
        project=project,
        employee=employee,
        date=TODAY - dt.timedelta(days=days_ago),
        minutes=minutes,
    )


def test_a_manager_sees_the_open_work_of_their_projects_grouped(
    client_for, manager, finance, project, others
):
    register(manager, project, manager, 60, days_ago=1)
    register(manager, project, manager, 30)
    register(manager, project, finance, 120)
    services.expense_create(
        actor=manager, project=project, date=TODAY, description="Taxi", cost_ore=30000
    )
    page = client_for(manager).get("/projects/approvals/")
    assert page.status_code == 200
    groups = selectors.approval_rows(selectors.approval_groups(manager, kind="hours"), kind="hours")
    assert {(g.project, g.employee, g.count, g.minutes) for g in groups} == {
        (project, manager, 2, 90),
        (project, finance, 1, 120),
    }
    assert "Regnskap" not in page.text  # managed by finance
    assert "Taxi" not in page.text and "300,00" in page.text


def test_finance_sees_every_project(client_for, finance, manager, project, others):
    register(manager, project, manager)
    page = client_for(finance).get("/projects/approvals/")
    assert "Regnskap" in page.text and project.name in page.text


def test_chosen_groups_are_approved_in_one_go(client_for, manager, finance, project, others):
    mine = [register(manager, project, manager), register(manager, project, manager, days_ago=1)]
    theirs = register(manager, project, finance)
    expense = services.expense_create(
        actor=manager, project=project, date=TODAY, description="Taxi", cost_ore=30000
    )
    [hours] = [
        g
        for g in selectors.approval_rows(
            selectors.approval_groups(manager, kind="hours"), kind="hours"
        )
        if g.employee == manager
    ]
    [expenses] = selectors.approval_rows(
        selectors.approval_groups(manager, kind="expenses"), kind="expenses"
    )
    response = client_for(manager).post(
        "/projects/approvals/", {"groups": [hours.key, expenses.key]}
    )
    assert response.status_code == 302
    assert all(TimeEntry.objects.get(pk=e.pk).approved for e in mine)
    assert TimeEntry.objects.get(pk=theirs.pk).approved is False
    assert Expense.objects.get(pk=expense.pk).approved is True


def test_hours_added_after_the_page_was_shown_are_not_approved(client_for, manager, project):
    register(manager, project, manager, days_ago=1)
    [group] = selectors.approval_rows(
        selectors.approval_groups(manager, kind="hours"), kind="hours"
    )
    later = register(manager, project, manager)
    client_for(manager).post("/projects/approvals/", {"groups": [group.key]})
    assert TimeEntry.objects.get(pk=later.pk).approved is False
    assert TimeEntry.objects.filter(approved=True).count() == 1


def test_approve_everything_on_the_page(client_for, finance, manager, project, others):
    register(manager, project, manager)
    client = client_for(finance)
    page = client.get("/projects/approvals/")
    shown = [
        g.key
        for kind in ("hours", "expenses")
        for g in selectors.approval_rows(selectors.approval_groups(finance, kind=kind), kind=kind)
    ]
    assert all(key in page.text for key in shown)
    client.post("/projects/approvals/", {"all": "1", "shown": shown})
    assert not TimeEntry.objects.filter(approved=False).exists()


def test_a_group_of_someone_elses_project_refuses_the_lot(client_for, manager, project, others):
    mine = register(manager, project, manager)
    foreign = selectors.approval_rows(
        selectors.approval_groups(Project.objects.get(pk=others.pk).manager, kind="hours"),
        kind="hours",
    )
    keys = [g.key for g in foreign] + [f"hours:{project.pk}:{mine.employee_id}:{mine.pk}"]
    client_for(manager).post("/projects/approvals/", {"groups": keys})
    assert not TimeEntry.objects.filter(approved=True).exists()


@pytest.mark.parametrize("key", ["nonsense", "hours:x:1:2", "minutes:1:1:1", "hours:1:1"])
def test_a_bad_choice_changes_nothing(client_for, manager, project, key):
    register(manager, project, manager)
    response = client_for(manager).post("/projects/approvals/", {"groups": [key]})
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(approved=True).exists()


def test_nothing_chosen_is_a_clear_message(client_for, manager, project):
    register(manager, project, manager)
    response = client_for(manager).post("/projects/approvals/", {}, follow=True)
    assert "Choose the hours or expenses to approve." in response.text


def test_the_page_is_paginated_in_a_fixed_number_of_queries(
    client_for, finance, manager, customer, django_assert_max_num_queries
):
    projects = Project.objects.bulk_create(
        Project(number=2000 + n, name=f"P{n}", customer=customer, manager=manager)
        for n in range(60)
    )
    TimeEntry.objects.bulk_create(
        TimeEntry(project=p, employee=manager, date=TODAY, minutes=30) for p in projects
    )
    client = client_for(finance)
    with django_assert_max_num_queries(12):
        first = client.get("/projects/approvals/")
    assert "Page 1 of 2" in first.text
    second = client.get("/projects/approvals/?page=2")
    assert "P0" in second.text  # newest project first: the oldest is on the last page


def test_a_reader_sees_nothing_to_approve_and_may_not_approve(client_for, reader, manager, project):
    entry = register(manager, project, manager)
    page = client_for(reader).get("/projects/approvals/")
    assert page.status_code == 200
    assert "No hours wait for your approval." in page.text
    key = f"hours:{project.pk}:{manager.pk}:{entry.pk}"
    response = client_for(reader).post("/projects/approvals/", {"groups": [key]})
    assert response.status_code == 403
    assert TimeEntry.objects.get().approved is False
