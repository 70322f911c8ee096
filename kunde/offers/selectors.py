"""Reading offers: the Offers tab of a customer and the list across customers (search, status
filter, a page of 50, the sums on the right and each offer's project and what of it remains to
invoice), in a fixed number of queries however many offers there are."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from kunde.invoices.models import Invoice, InvoiceStatus
from kunde.offers.models import Offer, OfferStatus

PAGE_SIZE = 50


@dataclass(frozen=True)
class OfferListParams:
    q: str = ""
    status: str = ""
    page: int = 1

    @classmethod
    def from_query(cls, query) -> "OfferListParams":
        status = query.get("status", "")
        try:
            page = max(1, int(query.get("page", 1)))
        except (TypeError, ValueError):
            page = 1
        return cls(
            q=query.get("q", "").strip()[:200],
            status=status if status in OfferStatus.values else "",
            page=page,
        )


@dataclass
class OfferSums:
    count: int
    all_net_ore: int
    accepted_net_ore: int
    remaining_ore: int


def _filtered(customer, params: OfferListParams):
    offers = Offer.objects.all()
    if customer is not None:
        offers = offers.filter(customer=customer)
    if params.status:
        offers = offers.filter(status=params.status)
    for word in params.q.lower().split():
        offers = offers.filter(search_text__contains=word)
    return offers


def invoiced_by_project(project_ids) -> dict[int, int]:
    """Net invoiced on each project: issued invoices less their credit notes."""
    rows = (
        Invoice.objects.filter(project_id__in=list(project_ids), status=InvoiceStatus.ISSUED)
        .values("project_id")
        .annotate(net=Sum("net_ore"))
    )
    return {row["project_id"]: row["net"] or 0 for row in rows}


def remaining_by_project(project_ids) -> dict[int, int]:
    """What of the accepted offers of each project remains to invoice (never below zero)."""
    project_ids = [p for p in project_ids if p]
    if not project_ids:
        return {}
    accepted = (
        Offer.objects.filter(project_id__in=project_ids, status=OfferStatus.ACCEPTED)
        .values("project_id")
        .annotate(net=Sum("net_ore"))
    )
    invoiced = invoiced_by_project(project_ids)
    return {
        row["project_id"]: max(0, row["net"] - invoiced.get(row["project_id"], 0))
        for row in accepted
    }


def offer_sums(offers) -> OfferSums:
    totals = offers.aggregate(
        count=Count("id"),
        all_net=Sum("net_ore"),
        accepted_net=Sum("net_ore", filter=Q(status=OfferStatus.ACCEPTED)),
    )
    projects = (
        offers.filter(status=OfferStatus.ACCEPTED, project__isnull=False)
        .values_list("project_id", flat=True)
        .distinct()
    )
    remaining = remaining_by_project(list(projects))
    return OfferSums(
        count=totals["count"],
        all_net_ore=totals["all_net"] or 0,
        accepted_net_ore=totals["accepted_net"] or 0,
        remaining_ore=sum(remaining.values()),
    )


def offers_page(*, customer=None, params: OfferListParams):
    """The page of offers (newest first) with `remaining_ore` on accepted ones, and the sums
    of every offer the filters match."""
    offers = _filtered(customer, params)
    page_qs = offers.select_related("project", "customer").order_by("-issue_date", "-id")
    page = Paginator(page_qs, PAGE_SIZE).get_page(params.page)
    rows = list(page.object_list)
    remaining = remaining_by_project({o.project_id for o in rows if o.project_id})
    for offer in rows:
        offer.remaining_ore = (
            remaining.get(offer.project_id) if offer.status == OfferStatus.ACCEPTED else None
        )
    page.object_list = rows
    return page, offer_sums(offers)


def offer_or_404(offer_id: int) -> Offer:
    offer = (
        Offer.objects.select_related("customer", "contact", "made_by", "project", "answered_by")
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise Http404(_("No such offer."))
    return offer
