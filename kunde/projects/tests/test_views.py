import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.projects import services
from kunde.projects.models import CostRate, Expense, Project, TimeEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


def register(actor, project, employee, minutes=60, day=TODAY):
    return services.time_entry_create(
        actor=actor, project=project, employee=employee, date=day, minutes=minutes
    )


# The list


def test_the_list_shows_projects_and_their_open_hours(client_for, reader, manager, project):
    register(manager, project, manager, minutes=90)
    response = client_for(reader).get("/projects/")
    assert response.status_code == 200
    assert project.name in response.text
    assert "1,50" in response.text


def test_the_list_searches_by_customer_name(client_for, reader, project):
    assert project.name in client_for(reader).get("/projects/?q=fjellheim").text
    assert project.name not in client_for(reader).get("/projects/?q=nomatch").text


def test_the_list_needs_a_signed_in_user(client, project):
    assert client.get("/projects/").status_code == 302


# Create and edit


def test_a_manager_creates_a_project_from_the_profile(client_for, manager, customer):
    profile = client_for(manager).get(f"/customers/{customer.pk}/")
    assert f"/projects/new/{customer.pk}/" in profile.text
    response = client_for(manager).post(
        f"/projects/new/{customer.pk}/",
        {
            "name": "Ny butikk",
            "status": "active",
            "price_model": "fixed",
            "manager": manager.pk,
            "start_date": "2026-01-05",
            "hourly_rate": "1250.00",
        },
    )
    project = Project.objects.get(name="Ny butikk")
    assert response.url == f"/projects/{project.pk}/"
    assert (project.price_model, project.hourly_rate_ore) == ("fixed", 125000)
    assert ActivityEntry.objects.filter(customer=customer, action="project.created").exists()


def test_a_reader_may_not_create_projects(client_for, reader, customer):
    assert client_for(reader).get(f"/projects/new/{customer.pk}/").status_code == 403
    response = client_for(reader).post(
        f"/projects/new/{customer.pk}/", {"name": "X", "status": "active", "price_model": "hourly"}
    )
    assert response.status_code == 403
    assert not Project.objects.exists()


def test_a_bad_project_form_saves_nothing(client_for, manager, customer):
    response = client_for(manager).post(
        f"/projects/new/{customer.pk}/",
        {
            "name": "X",
            "status": "active",
            "price_model": "hourly",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
    )
    assert response.status_code == 200
    assert "The end is before the start." in response.text
    assert not Project.objects.exists()


def test_editing_closes_the_project(client_for, manager, project):
    response = client_for(manager).post(
        f"/projects/{project.pk}/edit/",
        {
            "name": project.name,
            "number": project.number,
            "status": "completed",
            "price_model": "hourly",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.status == "completed"


# The project page


def test_the_project_page_shows_totals_and_fixed_queries(
    client_for, finance, manager, project, django_assert_max_num_queries
):
    services.cost_rate_set(actor=finance, employee=manager, valid_from=MONDAY, rate_ore=60000)
    project.hourly_rate_ore = 120000
    project.save()
    for day in range(3):
        register(manager, project, manager, minutes=60, day=TODAY - dt.timedelta(days=day))
    client = client_for(finance)
    with django_assert_max_num_queries(14):
        response = client.get(f"/projects/{project.pk}/")
    assert response.status_code == 200
    assert "3,00" in response.text  # hours
    for day in range(20):
        register(finance, project, finance, minutes=30, day=TODAY - dt.timedelta(days=day))
    with django_assert_max_num_queries(14):
        assert client.get(f"/projects/{project.pk}/").status_code == 200


def test_the_project_manager_approves_all_open_hours(client_for, manager, project):
    register(manager, project, manager)
    response = client_for(manager).post(f"/projects/{project.pk}/approve/", {"all": "1"})
    assert response.status_code == 302
    assert TimeEntry.objects.get().approved is True


def test_finance_approves_chosen_hours(client_for, finance, manager, project):
    first, second = register(manager, project, manager), register(finance, project, finance)
    client_for(finance).post(f"/projects/{project.pk}/approve/", {"ids": [first.pk]})
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.approved, second.approved) == (True, False)


def test_a_reader_may_not_approve(client_for, reader, manager, project):
    entry = register(manager, project, manager)
    response = client_for(reader).post(f"/projects/{project.pk}/approve/", {"ids": [entry.pk]})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.approved is False


def test_an_expense_with_a_receipt_is_registered_and_approved(
    client_for, finance, manager, project
):
    receipt = SimpleUploadedFile("kvittering.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    response = client_for(manager).post(
        f"/projects/{project.pk}/expenses/",
        {
            "date": TODAY.isoformat(),
            "description": "Hotell",
            "cost": "1200",
            "billable": "on",
            "receipt": receipt,
        },
    )
    assert response.status_code == 302
    expense = Expense.objects.get()
    assert expense.cost_ore == 120000 and expense.receipt.name == "kvittering.pdf"
    page = client_for(finance).get(f"/projects/{project.pk}/")
    assert f"/customers/{project.customer_id}/files/{expense.receipt_id}/download/" in page.text
    client_for(finance).post(f"/projects/{project.pk}/expenses/approve/", {"ids": [expense.pk]})
    expense.refresh_from_db()
    assert expense.approved is True


def test_a_future_expense_is_refused_with_a_message(client_for, manager, project):
    response = client_for(manager).post(
        f"/projects/{project.pk}/expenses/",
        {"date": (TODAY + dt.timedelta(days=3)).isoformat(), "description": "X", "cost": "10"},
    )
    assert response.status_code == 422
    assert "Expenses cannot be registered in the future." in response.text
    assert not Expense.objects.exists()


# The weekly grid


def week_post(project, days, index=0, description="Utvikling"):
    data = {
        f"row-{index}-project": project.pk,
        f"row-{index}-description": description,
        f"row-{index}-billable": "on",
    }
    for k, value in days.items():
        data[f"row-{index}-day-{k}"] = value
    return data


def test_the_week_grid_saves_hours(client_for, manager, project):
    client = client_for(manager)
    url = f"/projects/hours/?week={MONDAY.isoformat()}"
    assert client.get(url).status_code == 200
    response = client.post(url, week_post(project, {0: "1:30"}))
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert (entry.date, entry.minutes, entry.employee, entry.description) == (
        MONDAY,
        90,
        manager,
        "Utvikling",
    )
    page = client.get(url)
    assert "1:30" in page.text


def test_the_week_grid_refuses_a_bad_duration_and_saves_nothing(client_for, manager, project):
    response = client_for(manager).post(
        f"/projects/hours/?week={MONDAY.isoformat()}", week_post(project, {0: "1:30", 1: "lots"})
    )
    assert response.status_code == 422
    assert "is not a duration" in response.text
    assert not TimeEntry.objects.exists()


def test_the_week_grid_refuses_more_than_24_hours(client_for, manager, customer, project):
    other = services.project_create(actor=manager, customer=customer, data={"name": "Annet"})
    data = {**week_post(project, {0: "20"}), **week_post(other, {0: "5"}, index=1)}
    response = client_for(manager).post(f"/projects/hours/?week={MONDAY.isoformat()}", data)
    assert response.status_code == 422
    assert "more than 24 hours" in response.text
    assert not TimeEntry.objects.exists()


def test_approved_hours_are_locked_in_the_grid(client_for, manager, project):
    entry = register(manager, project, manager, day=MONDAY)
    services.time_entries_approve(actor=manager, ids=[entry.pk])
    page = client_for(manager).get(f"/projects/hours/?week={MONDAY.isoformat()}")
    assert 'name="row-0-day-0"' not in page.text
    assert 'class="locked"' in page.text


def test_only_finance_opens_the_hours_of_others(client_for, finance, manager, reader):
    assert client_for(manager).get(f"/projects/hours/?employee={finance.pk}").status_code == 403
    assert client_for(finance).get(f"/projects/hours/?employee={manager.pk}").status_code == 200


def test_a_reader_sees_the_grid_but_may_not_save(client_for, reader, project):
    assert client_for(reader).get("/projects/hours/").status_code == 200
    response = client_for(reader).post("/projects/hours/", week_post(project, {0: "1"}))
    assert response.status_code == 403


# Cost rates


def test_finance_sets_cost_rates(client_for, finance, manager):
    response = client_for(finance).post(
        "/projects/cost-rates/", {"employee": manager.pk, "valid_from": "2026-01-01", "rate": "650"}
    )
    assert response.status_code == 302
    assert CostRate.objects.get().rate_ore == 65000


def test_a_manager_may_not_open_cost_rates(client_for, manager):
    assert client_for(manager).get("/projects/cost-rates/").status_code == 403


def test_the_list_takes_the_same_queries_for_many_projects(
    client_for, reader, manager, customer, django_assert_max_num_queries
):
    client = client_for(reader)
    services.project_create(actor=manager, customer=customer, data={"name": "En"})
    with django_assert_max_num_queries(8):
        assert client.get("/projects/").status_code == 200
    for k in range(30):
        project = services.project_create(actor=manager, customer=customer, data={"name": f"P{k}"})
        register(manager, project, manager, minutes=30)
    with django_assert_max_num_queries(8):
        response = client.get("/projects/")
    assert "P29" in response.text
