from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from kunde.invoices import services as invoices
from kunde.invoices.models import InvoiceLine
from kunde.offers import selectors, services
from kunde.offers.models import Milestone
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
        date=today,
        minutes=120,
        sales_rate_ore=50000,  # the offer's 1 250 kr wins
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
