from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from kunde.invoices import services as invoices
from kunde.invoices.models import InvoiceLine
from kunde.offers import selectors, services
from kunde.offers.models import Milestone
from kunde.projects import services as projects
from kunde.projects.models import TimeEntry


@pytest.fixture
def accepted(sent_offer):
    return services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)


def test_a_draft_from_the_project_takes_hours_at_the_offers_rate_and_the_due_milestone(
    accepted, finance, manager, today
):
    project = accepted.project
    TimeEntry.objects.create(
        project=project,
        employee=manager,
        activity=project.activities.get(name="Workshop og analyse"),
        date=today,
        minutes=120,
        sales_rate_ore=50000,  # the activity's 1 250 kr wins
        approved=True,
    )
    draft = invoices.invoice_draft_create(
        actor=finance, customer=accepted.customer, project=project, from_project_hours=True
    )
    lines = list(draft.lines.order_by("position"))
    assert [(line.unit_price_ore, line.net_ore) for line in lines] == [
        (125000, 250000),
        (2000000, 2000000),
    ]
    assert lines[1].description == "Milestone: Rapport"
    assert Milestone.objects.get().invoice_line == lines[1]
    # Never twice: a second draft has nothing left.
    with pytest.raises(ValidationError):
        invoices.invoice_draft_create(
            actor=finance, customer=accepted.customer, project=project, from_project_hours=True
        )
    # Deleting the draft frees the milestone again.
    invoices.invoice_draft_delete(actor=finance, invoice=draft)
    assert Milestone.objects.get().invoice_line is None


def test_part_of_a_milestone_is_invoiced_and_the_rest_when_due(accepted, finance, manager, today):
    milestone = Milestone.objects.get()
    services.milestone_split(actor=manager, milestone=milestone, percent="40", due_date=today)
    draft = invoices.invoice_draft_create(
        actor=finance,
        customer=accepted.customer,
        project=accepted.project,
        from_project_hours=True,
    )
    [line] = draft.lines.all()
    assert (line.net_ore, line.description) == (800000, "Milestone: Rapport (40 %)")
    rest = Milestone.objects.get(invoice_line__isnull=True)
    assert rest.due_date is None  # not due: left out until it is given a date
    Milestone.objects.filter(pk=rest.pk).update(due_date=today + timedelta(days=1))
    with pytest.raises(ValidationError):
        invoices.invoice_draft_create(
            actor=finance,
            customer=accepted.customer,
            project=accepted.project,
            from_project_hours=True,
        )


def test_remaining_to_invoice_follows_issued_invoices(accepted, finance, company):
    project = accepted.project
    assert selectors.remaining_by_project([project.pk]) == {project.pk: accepted.net_ore}
    draft = invoices.invoice_draft_create(
        actor=finance, customer=accepted.customer, project=project, from_project_hours=True
    )
    invoices.invoice_issue(actor=finance, invoice=draft)
    assert selectors.remaining_by_project([project.pk]) == {project.pk: accepted.net_ore - 2000000}
    assert InvoiceLine.objects.filter(offer_milestones__isnull=False).count() == 1


def test_accepting_makes_the_projects_activities_from_the_chosen_lines(sent_offer):
    optional = sent_offer.lines.get(optional=True)
    accepted = services.offer_accept(
        offer=sent_offer, name="Kari", confirmed=True, chosen_line_ids=[optional.pk]
    )
    activities = list(accepted.project.activities.all())
    assert [(a.name, a.kind, a.estimated_minutes, a.rate_ore, a.fixed_ore) for a in activities] == [
        ("Workshop og analyse", "hourly", 600, 125000, 0),
        ("Rapport", "fixed", 0, 0, 2000000),
        ("Opplæring", "hourly", 270, 110000, 0),
    ]
    # The fixed activity's milestone is the offer's milestone of the same line.
    assert Milestone.objects.get().line == activities[1].offer_line


def test_a_line_not_chosen_makes_no_activity(accepted):
    assert "Opplæring" not in set(accepted.project.activities.values_list("name", flat=True))


def test_hours_are_invoiced_at_their_activitys_rate_and_fixed_ones_by_the_milestone(
    sent_offer, finance, manager, today
):
    optional = sent_offer.lines.get(optional=True)
    accepted = services.offer_accept(
        offer=sent_offer, name="Kari", confirmed=True, chosen_line_ids=[optional.pk]
    )
    project = accepted.project
    by_name = {a.name: a for a in project.activities.all()}
    entries = [
        projects.time_entry_create(
            actor=manager,
            project=project,
            employee=manager,
            date=today,
            minutes=minutes,
            activity=by_name.get(name),
        )
        for name, minutes in [
            ("Workshop og analyse", 120),
            ("Opplæring", 60),
            ("Rapport", 90),
            (None, 30),
        ]
    ]
    assert [e.sales_rate_ore for e in entries] == [125000, 110000, 0, project.hourly_rate_ore]
    projects.time_entries_approve(actor=manager, ids=[e.pk for e in entries])
    draft = invoices.invoice_draft_create(
        actor=finance, customer=accepted.customer, project=project, from_project_hours=True
    )
    priced = sorted(
        (line.unit_price_ore, line.quantity)
        for line in draft.lines.all()
        if not line.description.startswith("Milestone")
    )
    assert [(rate, str(hours)) for rate, hours in priced] == [
        (110000, "1.000"),
        (125000, "2.500"),  # the workshop and the hours on the project in general
    ]
    # The hours on the fixed-price activity stay out of every invoice.
    assert TimeEntry.objects.get(pk=entries[2].pk).invoice_line is None


def test_accepting_into_a_project_with_a_same_named_activity_keeps_names_unique(
    sent_offer, manager
):
    from kunde.projects.models import Project

    project = Project.objects.create(
        number=1500, name="Eksisterende", customer=sent_offer.customer, manager=manager
    )
    projects.activity_create(actor=manager, project=project, name="Rapport")
    services.offer_accept(offer=sent_offer, name="Kari", confirmed=True, project=project)
    assert list(project.activities.values_list("name", flat=True)) == [
        "Rapport",
        "Workshop og analyse",
        "Rapport (2)",
    ]


def test_hours_on_an_activity_count_in_the_remaining_budget(accepted, finance, manager, today):
    from kunde.projects.selectors import activity_budgets

    project = accepted.project
    workshop = project.activities.get(name="Workshop og analyse")
    entry = projects.time_entry_create(
        actor=manager, project=project, employee=manager, date=today, minutes=120, activity=workshop
    )
    projects.time_entries_approve(actor=manager, ids=[entry.pk])
    draft = invoices.invoice_draft_create(
        actor=finance, customer=accepted.customer, project=project, from_project_hours=True
    )
    invoices.invoice_issue(actor=finance, invoice=draft)
    budgets = {b.activity.name: b for b in activity_budgets(project)}
    assert (
        budgets["Workshop og analyse"].invoiced_ore,
        budgets["Workshop og analyse"].remaining_ore,
    ) == (
        250000,
        1250000 - 250000,
    )
    assert (budgets["Rapport"].invoiced_ore, budgets["Rapport"].remaining_ore) == (2000000, 0)


def test_the_migration_gives_projects_of_earlier_acceptances_their_activities(sent_offer):
    """Offers accepted before activities existed: migration projects 0004 makes the same
    activities as acceptance does now."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from kunde.projects.models import ProjectActivity

    optional = sent_offer.lines.get(optional=True)
    accepted = services.offer_accept(
        offer=sent_offer, name="Kari", confirmed=True, chosen_line_ids=[optional.pk]
    )
    fields = ("name", "kind", "estimated_minutes", "rate_ore", "fixed_ore", "offer_line_id")
    made_now = list(accepted.project.activities.values_list(*fields))
    ProjectActivity.objects.all().delete()
    executor = MigrationExecutor(connection)
    apps = executor.loader.project_state(("projects", "0004_activities")).apps
    migration = executor.loader.get_migration("projects", "0004_activities")
    migration.operations[-1].code(apps, None)
    assert list(accepted.project.activities.values_list(*fields)) == made_now
