"""`{% project_offers project %}`: on a project's page, the accepted offers it came from, their
milestones and what remains to invoice (two queries)."""

from django import template

from kunde.offers.models import Offer, OfferStatus
from kunde.offers.selectors import remaining_by_project

register = template.Library()


@register.inclusion_tag("offers/_project_offers.html")
def project_offers(project):
    offers = list(
        Offer.objects.filter(project=project, status=OfferStatus.ACCEPTED)
        .prefetch_related("milestones__invoice_line__invoice")
        .order_by("answered_at", "id")
    )
    return {
        "offers": offers,
        "remaining_ore": remaining_by_project([project.pk]).get(project.pk) if offers else None,
    }
