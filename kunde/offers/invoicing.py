"""What an accepted offer adds to an invoice draft from its project: its hourly rate for the
project's hours, and its fixed-price milestones that are due and not yet invoiced. Read by
`invoices.selectors.uninvoiced_work`, the one place that builds those lines."""

from datetime import date

from kunde.offers.models import LineKind, Milestone, OfferLine, OfferStatus


def due_milestones(*, customer, project=None, until: date) -> list[Milestone]:
    """Milestones due by `until` and not invoiced, of the customer's projects (one query)."""
    milestones = Milestone.objects.filter(
        project__customer=customer, invoice_line__isnull=True, due_date__lte=until
    ).select_related("project", "offer")
    if project is not None:
        milestones = milestones.filter(project=project)
    return list(milestones.order_by("due_date", "id"))


def offer_hour_rates(project_ids) -> dict[int, int]:
    """Per project, the hourly rate of its accepted offer: the rate of the first hourly line
    the customer accepted, of the newest accepted offer (one query)."""
    lines = (
        OfferLine.objects.filter(
            offer__project_id__in=list(project_ids),
            offer__status=OfferStatus.ACCEPTED,
            kind=LineKind.HOURLY,
        )
        .exclude(optional=True, chosen=False)
        .order_by("offer__answered_at", "offer_id", "-position", "-id")
        .values_list("offer__project_id", "unit_price_ore")
    )
    # Later rows win: the newest offer's first line.
    return dict(lines)
