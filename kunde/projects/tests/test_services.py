import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.projects import services
from kunde.projects.models import CostRate, Expense, PriceModel, Project, TimeEntry

pytestmark = pytest.mark.django_db

YESTERDAY = timezone.localdate() - dt.timedelta(days=1)


def register(actor, project, employee, minutes=60, day=YESTERDAY, **extra):
    return services.time_entry_create(
        actor=actor, project=project, employee=employee, date=day, minutes=minutes, **extra
    )


# Projects


def test_project_create_numbers_the_project_and_logs_it(manager, customer):
    project = services.project_create(
        actor=manager,
        customer=customer,
        data={"name": "Ny nettside", "price_model": PriceModel.FIXED, "manager": manager},
    )
    assert project.number == services.FIRST_PROJECT_NUMBER
    assert project.price_model == "fixed"
    entry = ActivityEntry.objects.get(action="project.created")
    assert entry.customer == customer
    assert "Ny nettside" in entry.text
    second = services.project_create(actor=manager, customer=customer, data={"name": "To"})
    assert second.number == project.number + 1


def test_project_create_refuses_a_taken_number(manager, customer, project):
    with pytest.raises(ValidationError) as error:
        services.project_create(
            actor=manager, customer=customer, data={"name": "X", "number": project.number}
        )
    assert "number" in error.value.message_dict
    assert Project.objects.count() == 1


def test_project_create_refuses_an_end_before_the_start(manager, customer):
    with pytest.raises(ValidationError) as error:
        services.project_create(
            actor=manager,
            customer=customer,
            data={
                "name": "X",
                "start_date": dt.date(2026, 5, 1),
                "end_date": dt.date(2026, 4, 1),
            },
        )
    assert "end_date" in error.value.message_dict


def test_a_reader_may_not_create_projects(reader, customer):
    with pytest.raises(PermissionDenied):
        services.project_create(actor=reader, customer=customer, data={"name": "X"})


def test_project_update_logs_the_changed_fields(manager, project):
    services.project_update(
        actor=manager, project=project, data={"status": "completed", "name": project.name}
    )
    project.refresh_from_db()
    assert project.status == "completed"
    entry = ActivityEntry.objects.get(action="project.updated")
    assert list(entry.changes) == ["status"]


# Cost rates


def test_a_time_entry_takes_the_cost_rate_valid_on_its_date(finance, manager, project):
    services.cost_rate_set(
        actor=finance, employee=manager, valid_from=dt.date(2025, 1, 1), rate_ore=50000
    )
    services.cost_rate_set(actor=finance, employee=manager, valid_from=YESTERDAY, rate_ore=60000)
    old = register(manager, project, manager, day=YESTERDAY - dt.timedelta(days=1))
    new = register(manager, project, manager)
    assert (old.cost_rate_ore, new.cost_rate_ore) == (50000, 60000)


def test_only_finance_sets_cost_rates(manager):
    with pytest.raises(PermissionDenied):
        services.cost_rate_set(actor=manager, employee=manager, valid_from=YESTERDAY, rate_ore=1)
    assert not CostRate.objects.exists()


def test_hours_take_the_projects_price_without_an_agreed_rate(manager, project):
    project.hourly_rate_ore = 110000
    project.save()
    assert register(manager, project, manager).sales_rate_ore == 110000


# Hours: refusals


def test_hours_on_a_closed_project_are_refused(manager, project):
    project.status = "completed"
    project.save()
    with pytest.raises(ValidationError) as error:
        register(manager, project, manager)
    assert "closed" in error.value.message_dict["project"][0]
    assert not TimeEntry.objects.exists()


def test_hours_in_the_future_are_refused(manager, project):
    with pytest.raises(ValidationError) as error:
        register(manager, project, manager, day=timezone.localdate() + dt.timedelta(days=1))
    assert error.value.message_dict["date"] == ["Hours cannot be registered in the future."]


def test_no_more_than_24_hours_a_day_per_employee(manager, customer, project):
    other = services.project_create(actor=manager, customer=customer, data={"name": "Annet"})
    register(manager, project, manager, minutes=20 * 60)
    with pytest.raises(ValidationError) as error:
        register(manager, other, manager, minutes=5 * 60)
    assert "more than 24 hours" in error.value.message_dict["minutes"][0]
    register(manager, other, manager, minutes=4 * 60)
    assert TimeEntry.objects.count() == 2


def test_zero_minutes_are_refused(manager, project):
    with pytest.raises(ValidationError):
        register(manager, project, manager, minutes=0)


def test_approved_hours_cannot_be_changed_or_deleted(manager, project):
    entry = register(manager, project, manager)
    services.time_entries_approve(actor=manager, ids=[entry.pk])
    with pytest.raises(ValidationError, match="approved"):
        services.time_entry_update(
            actor=manager, entry=entry, minutes=30, description="", billable=True
        )
    with pytest.raises(ValidationError, match="approved"):
        services.time_entry_delete(actor=manager, entry=entry)
    entry.refresh_from_db()
    assert entry.minutes == 60


def test_invoiced_hours_cannot_be_changed(company, finance, customer, manager, project):
    from kunde.invoices.services import invoice_draft_create

    entry = register(manager, project, manager)
    services.time_entries_approve(actor=finance, ids=[entry.pk])
    invoice_draft_create(actor=finance, customer=customer, project=project, from_project_hours=True)
    entry.refresh_from_db()
    assert entry.invoice_line_id is not None
    TimeEntry.objects.filter(pk=entry.pk).update(approved=False)
    entry.refresh_from_db()
    with pytest.raises(ValidationError, match="invoiced"):
        services.time_entry_update(
            actor=manager, entry=entry, minutes=30, description="", billable=True
        )


def test_others_hours_need_the_project_manager_or_finance(admin, finance, manager, project):
    colleague = services.User.objects.create_user(username="kari", role="account_manager")
    with pytest.raises(PermissionDenied):
        register(colleague, project, finance)
    register(manager, project, colleague)  # the project's manager
    register(finance, project, colleague, minutes=30)


# Approval


def test_the_project_manager_approves_and_the_hours_can_be_invoiced(
    company, finance, customer, manager, project
):
    entries = [register(manager, project, manager, minutes=90), register(finance, project, finance)]
    assert services.time_entries_approve(actor=manager, ids=[e.pk for e in entries]) == 2
    assert set(TimeEntry.objects.values_list("approved", "approved_by")) == {(True, manager.pk)}
    assert ActivityEntry.objects.filter(action="hours.approved").count() == 1
    # approving again changes nothing
    assert services.time_entries_approve(actor=manager, ids=[entries[0].pk]) == 0

    from kunde.invoices.services import invoice_draft_create

    invoice = invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )
    assert TimeEntry.objects.filter(invoice_line__invoice=invoice).count() == 2


def test_another_manager_may_not_approve(manager, project):
    entry = register(manager, project, manager)
    colleague = services.User.objects.create_user(username="kari", role="account_manager")
    with pytest.raises(PermissionDenied):
        services.time_entries_approve(actor=colleague, ids=[entry.pk])
    entry.refresh_from_db()
    assert entry.approved is False


def test_approving_unknown_ids_is_refused(finance, manager, project):
    entry = register(manager, project, manager)
    with pytest.raises(ValidationError):
        services.time_entries_approve(actor=finance, ids=[entry.pk, 999999])
    entry.refresh_from_db()
    assert entry.approved is False


# The weekly grid


def test_week_save_creates_changes_and_deletes_in_one_go(manager, project):
    monday = YESTERDAY - dt.timedelta(days=2)
    row = {"project": project, "description": "Møter", "billable": True}
    services.week_save(
        actor=manager, employee=manager, rows=[{**row, "days": {monday: 60, YESTERDAY: 30}}]
    )
    assert TimeEntry.objects.count() == 2
    services.week_save(
        actor=manager, employee=manager, rows=[{**row, "days": {monday: 0, YESTERDAY: 45}}]
    )
    assert list(TimeEntry.objects.values_list("date", "minutes")) == [(YESTERDAY, 45)]


def test_week_save_keeps_nothing_when_one_day_is_refused(manager, project):
    future = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.week_save(
            actor=manager,
            employee=manager,
            rows=[{"project": project, "days": {YESTERDAY: 60, future: 60}}],
        )
    assert future.isoformat() in error.value.messages[0]
    assert not TimeEntry.objects.exists()


# Expenses


def test_expense_with_receipt_goes_into_the_customers_files(manager, project):
    receipt = SimpleUploadedFile("kvittering.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    expense = services.expense_create(
        actor=manager,
        project=project,
        date=YESTERDAY,
        description="Taxi",
        cost_ore=45000,
        receipt=receipt,
    )
    assert expense.receipt.customer == project.customer
    assert expense.receipt.bookkeeping is True
    assert expense.sales_ore == 45000
    assert ActivityEntry.objects.filter(action="expense.added").exists()


def test_expense_on_a_closed_project_stores_no_receipt(manager, project):
    from kunde.files.models import CustomerFile

    project.status = "completed"
    project.save()
    receipt = SimpleUploadedFile("kvittering.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    with pytest.raises(ValidationError):
        services.expense_create(
            actor=manager,
            project=project,
            date=YESTERDAY,
            description="Taxi",
            cost_ore=45000,
            receipt=receipt,
        )
    assert not CustomerFile.objects.exists()
    assert not Expense.objects.exists()


def test_expenses_are_approved_by_finance_not_by_a_reader(finance, reader, manager, project):
    expense = services.expense_create(
        actor=manager, project=project, date=YESTERDAY, description="Taxi", cost_ore=100
    )
    with pytest.raises(PermissionDenied):
        services.expenses_approve(actor=reader, ids=[expense.pk])
    assert services.expenses_approve(actor=finance, ids=[expense.pk]) == 1
    expense.refresh_from_db()
    assert expense.approved is True
