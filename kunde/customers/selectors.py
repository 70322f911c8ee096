"""Reading customers: the list with its filters and order, previous/next, and the profile."""

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Customer, CustomerStatus, Note

# Sort key -> (model field, descending). Each field has an index together with id, and id breaks
# ties so that previous/next never skips or repeats a customer.
SORTS = {
    "name": ("sort_name", False),
    "-name": ("sort_name", True),
    "number": ("number", False),
    "-number": ("number", True),
    "newest": ("created_at", True),
}


SORT_LABELS = {
    "name": _("Name A–Z"),
    "-name": _("Name Z–A"),
    "number": _("Number, lowest first"),
    "-number": _("Number, highest first"),
    "newest": _("Newest first"),
}


def _int_or_none(value) -> int | None:
    """A database id from the query string, or None for anything else (also out of range)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


@dataclass(frozen=True)
class CustomerListParams:
    """What the list shows: search text, filters, order and page. Carried to the profile in the
    query string so that previous/next follows the list the user came from."""

    q: str = ""
    status: str = ""
    tag: int | None = None
    manager: int | None = None
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_query(cls, query) -> "CustomerListParams":
        status = query.get("status", "")
        sort = query.get("sort", "name")
        return cls(
            q=query.get("q", "").replace("\x00", "").strip()[:100],
            status=status if status in CustomerStatus.values else "",
            tag=_int_or_none(query.get("tag")),
            manager=_int_or_none(query.get("manager")),
            sort=sort if sort in SORTS else "name",
            page=max(_int_or_none(query.get("page")) or 1, 1),
        )

    def querystring(self, **changes) -> str:
        """The non-default parameters as a query string (without '?')."""
        params = replace(self, **changes)
        defaults = CustomerListParams()
        pairs = [
            (name, getattr(params, name))
            for name in ("q", "status", "tag", "manager", "sort", "page")
            if getattr(params, name) != getattr(defaults, name)
        ]
        return urlencode(pairs)

    def filtered(self) -> QuerySet:
        # Merged customers are tombstones that lead to their survivor: never listed.
        customers = Customer.objects.filter(merged_into__isnull=True)
        for word in self.q.casefold().split():
            customers = customers.filter(search_text__contains=word)
        if self.status:
            customers = customers.filter(status=self.status)
        if self.tag:
            customers = customers.filter(tags=self.tag)
        if self.manager:
            customers = customers.filter(account_manager=self.manager)
        return customers

    @property
    def order_by(self) -> list[str]:
        field, descending = SORTS[self.sort]
        prefix = "-" if descending else ""
        return [prefix + field, prefix + "id"]


def customer_list_page(params: CustomerListParams):
    customers = (
        params.filtered()
        .select_related("account_manager")
        .only(
            "id",
            "number",
            "name",
            "organization_number",
            "status",
            "postal_city",
            "email",
            "phone",
            "account_manager__first_name",
            "account_manager__last_name",
            "account_manager__username",
        )
        .order_by(*params.order_by)
    )
    paginator = Paginator(customers, settings.CUSTOMERS_PER_PAGE)
    return paginator.get_page(params.page)


def customer_neighbours(
    customer: Customer, params: CustomerListParams
) -> tuple[int | None, int | None]:
    """Ids of the customers before and after this one in the list, across pages (keyset)."""
    field, descending = SORTS[params.sort]
    value = getattr(customer, field)
    # The outer range condition lets SQLite walk the (field, id) index from the current row
    # instead of sorting every row after it (measured: 150 ms -> under 1 ms on 100,000).
    after = Q(**{f"{field}__gte": value}) & (Q(**{f"{field}__gt": value}) | Q(id__gt=customer.pk))
    before = Q(**{f"{field}__lte": value}) & (Q(**{f"{field}__lt": value}) | Q(id__lt=customer.pk))
    if descending:
        after, before = before, after
    customers = params.filtered()
    forward = params.order_by
    backward = [f[1:] if f.startswith("-") else "-" + f for f in forward]
    next_id = customers.filter(after).order_by(*forward).values_list("id", flat=True).first()
    previous_id = customers.filter(before).order_by(*backward).values_list("id", flat=True).first()
    return previous_id, next_id


NOTES_ON_PROFILE = 20
ACTIVITY_ON_PROFILE = 15


class CustomerMerged(Exception):
    """The customer asked for was merged into another: its pages lead to the survivor
    (`merges.middleware` turns this into a redirect)."""

    def __init__(self, customer_id: int, survivor_id: int):
        super().__init__(customer_id, survivor_id)
        self.customer_id = customer_id
        self.survivor_id = survivor_id


def customer_for_profile(customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_related("account_manager")
        .prefetch_related("tags")
        .get(pk=customer_id)
    )
    if customer.merged_into_id:
        raise CustomerMerged(customer.pk, customer.merged_into_id)
    return customer


def customer_notes(customer: Customer, limit: int | None = NOTES_ON_PROFILE) -> list[Note]:
    notes = customer.notes.select_related("author").order_by("-created_at", "-id")
    return list(notes[:limit] if limit else notes)


def customer_activity(customer: Customer, limit: int = ACTIVITY_ON_PROFILE) -> list[ActivityEntry]:
    entries = ActivityEntry.objects.filter(customer=customer).select_related("actor")
    return list(entries.order_by("-at", "-id")[:limit])
