"""The pages of activities: budget vs actual on the project page, adding an activity, and the
weekly grid's rows per project and activity."""

import datetime as dt

import pytest
from django.utils import timezone

from kunde.projects import services
from kunde.projects.models import Project, ProjectActivity, TimeEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


@pytest.fixture
def design(manager, project):
    return services.activity_create(
        actor=manager, project=project, name="Design", estimated_minutes=600, rate_ore=150000
    )


def test_the_project_page_shows_budget_vs_actual(client_for, reader, manager, project, design):
    services.time_entry_create(
        actor=manager, project=project, employee=manager, date=MONDAY, minutes=90, activity=design
    )
    page = client_for(reader).get(f"/projects/{project.pk}/")
    assert page.status_code == 200
    assert 'data-activity="Design"' in page.text
    assert "10,00" in page.text  # estimated hours
    assert "1,50" in page.text  # registered
    assert "8,50" in page.text  # remaining hours
    assert "15\xa0000,00" in page.text  # budget 10 h × 1 500 kr
    total = page.text.split("data-budget-total", 1)[1].split("</tr>", 1)[0]
    assert total.count("15\xa0000,00") == 2  # the budget, all of it left to invoice


def test_a_manager_adds_an_activity(client_for, manager, project):
    response = client_for(manager).post(
        f"/projects/{project.pk}/activities/",
        {"name": "Testing", "kind": "hourly", "estimated_hours": "12,5", "price": "1100"},
    )
    assert response.status_code == 302
    activity = ProjectActivity.objects.get()
    assert (activity.name, activity.estimated_minutes, activity.rate_ore) == (
        "Testing",
        750,
        110000,
    )


def test_a_fixed_activity_takes_its_price_as_the_fixed_amount(client_for, manager, project):
    client_for(manager).post(
        f"/projects/{project.pk}/activities/",
        {"name": "Lansering", "kind": "fixed", "price": "20000"},
    )
    activity = ProjectActivity.objects.get()
    assert (activity.kind, activity.rate_ore, activity.fixed_ore) == ("fixed", 0, 2000000)


def test_a_taken_activity_name_is_refused_on_the_page(client_for, manager, project, design):
    response = client_for(manager).post(
        f"/projects/{project.pk}/activities/", {"name": "Design", "kind": "hourly"}
    )
    assert response.status_code == 422
    assert "has an activity of this name already" in response.text
    assert ProjectActivity.objects.count() == 1


def test_a_reader_may_not_add_an_activity(client_for, reader, project):
    response = client_for(reader).post(
        f"/projects/{project.pk}/activities/", {"name": "X", "kind": "hourly"}
    )
    assert response.status_code == 403
    assert not ProjectActivity.objects.exists()


# The weekly grid


def test_the_week_grid_offers_activities_and_saves_hours_on_one(
    client_for, manager, project, design
):
    client = client_for(manager)
    url = f"/projects/hours/?week={MONDAY.isoformat()}"
    page = client.get(url)
    assert f'value="{project.pk}:{design.pk}"' in page.text
    response = client.post(
        url,
        {
            "row-0-project": f"{project.pk}:{design.pk}",
            "row-0-description": "Skisser",
            "row-0-billable": "on",
            "row-0-day-0": "2",
            "row-1-project": str(project.pk),
            "row-1-day-0": "1",
        },
    )
    assert response.status_code == 302
    assert sorted(TimeEntry.objects.values_list("activity_id", "minutes"), key=str) == sorted(
        [(design.pk, 120), (None, 60)], key=str
    )
    again = client.get(url)
    assert "data-activity>Design<" in again.text


def test_the_week_grid_refuses_another_projects_activity(client_for, manager, customer, project):
    other = Project.objects.create(number=1002, name="Annet", customer=customer, manager=manager)
    foreign = services.activity_create(actor=manager, project=other, name="Design")
    response = client_for(manager).post(
        f"/projects/hours/?week={MONDAY.isoformat()}",
        {"row-0-project": f"{project.pk}:{foreign.pk}", "row-0-day-0": "1"},
    )
    assert response.status_code == 422
    assert not TimeEntry.objects.exists()
