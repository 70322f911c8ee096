"""What an accepted offer adds to an invoice draft from its project: its fixed-price milestones
that are due and not yet invoiced (its hourly rates come with the project's activities, see
`kunde.projects.pricing`). Read by
`invoices.selectors.uninvoiced_work`, the one place that builds those lines."""

from datetime import date

from kunde.offers.models import Milestone


def due_milestones(*, customer, project=None, until: date) -> list[Milestone]:
    """Milestones due by `until` and not invoiced, of the customer's projects (one query)."""
    milestones = Milestone.objects.filter(
        project__customer=customer, invoice_line__isnull=True, due_date__lte=until
    ).select_related("project", "offer")
    if project is not None:
        milestones = milestones.filter(project=project)
    return list(milestones.order_by("due_date", "id"))
