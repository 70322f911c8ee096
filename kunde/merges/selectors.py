"""Reads for merging: the preview of one merge, the records, and duplicate suggestions."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Min, Q, Value
from django.db.models.functions import Lower, StrIndex, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.customers.models import Contact, Customer
from kunde.lib.names import FREE_MAIL_DOMAINS, email_domain, plain_name
from kunde.merges.models import CustomerMerge, DuplicateDismissal
from kunde.merges.rules import MoveOnePerCustomer, bound_rules
from kunde.merges.services import (
    MERGE_FIELDS,
    MERGED,
    SURVIVOR,
    default_choices,
    merge_refusals,
)

# The preview's extra counts: rows that move with something else (hours with their project,
# delivery logs and EHF deliveries with their document).
DERIVED_COUNTS = [
    ("projects.TimeEntry", "project__customer", gettext_lazy("time entries (with their projects)")),
    ("invoices.DeliveryAttempt", "invoice__customer", gettext_lazy("delivery log entries")),
    ("ehf.EhfDelivery", "invoice__customer", gettext_lazy("EHF deliveries")),
]


def activity_score(customer_id: int) -> int:
    """How much has happened on a customer: the default survivor is the busier one."""
    from kunde.invoices.models import Invoice
    from kunde.payments.models import Payment

    return (
        Invoice.objects.filter(customer_id=customer_id).count()
        + Payment.objects.filter(customer_id=customer_id).count()
        + Customer.objects.get(pk=customer_id).activity.count()
    )


def default_survivor(first: Customer, second: Customer) -> Customer:
    a, b = activity_score(first.pk), activity_score(second.pk)
    if a != b:
        return first if a > b else second
    return first if first.pk < second.pk else second


@dataclass
class FieldRow:
    name: str
    label: str
    survivor: object
    merged: object
    choice: str

    @property
    def differs(self) -> bool:
        return self.survivor != self.merged


@dataclass
class Preview:
    survivor: Customer
    merged: Customer
    fields: list[FieldRow]
    counts: list[tuple[str, str, int]]  # (key, label, rows)
    conflicts: list[str]
    refusals: list[str]
    choices: dict = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(n for _key, _label, n in self.counts)


def _shown(customer: Customer, name: str):
    model_field = Customer._meta.get_field(name)
    if model_field.is_relation:
        return str(getattr(customer, name) or "")
    if model_field.choices:
        return getattr(customer, f"get_{name}_display")()
    return getattr(customer, name)


def merge_preview(*, actor, survivor: Customer, merged: Customer, choices=None) -> Preview:
    defaults = default_choices(survivor, merged)
    chosen = {**defaults, **(choices or {})}
    rows = [
        FieldRow(
            name=name,
            label=str(Customer._meta.get_field(name).verbose_name),
            survivor=_shown(survivor, name),
            merged=_shown(merged, name),
            choice=chosen[name],
        )
        for name in MERGE_FIELDS
    ]
    counts = []
    conflicts = []
    for key, rule in bound_rules().items():
        n = rule.count(merged.pk)
        if n:
            counts.append((key, rule.label, n))
        if isinstance(rule, MoveOnePerCustomer) and rule.clash(survivor.pk, merged.pk):
            conflicts.append(
                _(
                    "Both have %(what)s: the survivor's is kept; the merged customer's stays "
                    "with it (an undo brings it back)."
                )
                % {"what": rule.label}
            )
    from django.apps import apps

    for label, path, text in DERIVED_COUNTS:
        n = apps.get_model(label).objects.filter(**{path: merged}).count()
        if n:
            counts.append((label, str(text), n))
    primaries = Contact.objects.filter(customer__in=[survivor, merged], is_primary=True)
    if primaries.count() == 2:
        conflicts.append(
            _(
                "Both have a primary contact: choose whose stays primary; the other becomes an "
                "ordinary contact."
            )
        )
    same_email = (
        Contact.objects.filter(customer__in=[survivor, merged])
        .exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(n=Count("customer", distinct=True))
        .filter(n=2)
    )
    for row in same_email:
        conflicts.append(
            _("Both have a contact with the e-mail %(email)s: both are kept.")
            % {"email": row["address"]}
        )
    shared_tags = survivor.tags.filter(pk__in=merged.tags.values("pk"))
    if shared_tags:
        conflicts.append(
            _("Tags both have (%(tags)s) are kept once.")
            % {"tags": ", ".join(t.name for t in shared_tags)}
        )
    return Preview(
        survivor=survivor,
        merged=merged,
        fields=rows,
        counts=counts,
        conflicts=conflicts,
        refusals=merge_refusals(actor=actor, survivor=survivor, merged=merged),
        choices=chosen,
    )


def customer_merges(customer: Customer):
    return CustomerMerge.objects.filter(Q(survivor=customer) | Q(merged=customer)).select_related(
        "survivor", "merged", "actor"
    )


# Suggestions ------------------------------------------------------------------------------------

REASONS = {
    "organization_number": gettext_lazy("same organisation number"),
    "name": gettext_lazy("same name (ignoring case, spaces, AS/A/S/ASA and punctuation)"),
    "similar_name": gettext_lazy("similar name"),
    "email_domain": gettext_lazy("same e-mail domain and a similar name"),
    "bank_account": gettext_lazy("same bank account"),
}
# A key shared by more customers than this is not a duplicate, it is a pattern ("Kari").
MAX_GROUP = 10
SUGGESTIONS_SHOWN = 100


@dataclass
class Suggestion:
    first: Customer
    second: Customer
    reasons: list[str]

    @property
    def reason_text(self) -> str:
        return ", ".join(str(REASONS[r]) for r in self.reasons)


def _groups(column: str, customers, limit: int) -> list[list[int]]:
    """Ids of customers sharing a value of `column`, per value: the `limit` groups with the
    lowest ids (the page shows the first pairs), so only those groups' members are read."""
    base = customers.exclude(**{column: ""})
    keys = list(
        base.values(column)
        .annotate(n=Count("pk"), first=Min("pk"))
        .filter(n__gt=1, n__lte=MAX_GROUP)
        .order_by("first")
        .values_list(column, flat=True)[:limit]
    )
    members = defaultdict(list)
    for pk, key in base.filter(**{f"{column}__in": keys}).values_list("pk", column):
        members[key].append(pk)
    return list(members.values())


def _pairs(ids: list[int]):
    ids = sorted(ids)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            yield a, b


def duplicate_suggestions(customer: Customer | None = None, limit: int = SUGGESTIONS_SHOWN):
    """Pairs of customers that look like one, each with why. Merged customers and dismissed
    pairs are left out. For one customer (its profile) the similar names come from trigram
    similarity on PostgreSQL with pg_trgm; elsewhere from the name key."""
    customers = Customer.objects.filter(merged_into__isnull=True)
    if customer is not None:
        customers = _neighbourhood(customer, customers)
    found: dict[tuple[int, int], list[str]] = defaultdict(list)
    for column, reason in (
        ("organization_number", "organization_number"),
        ("bank_account", "bank_account"),
        ("name_key", "similar_name"),
    ):
        for group in _groups(column, customers, limit):
            for pair in _pairs(group):
                found[pair].append(reason)
    if customer is not None and connection.vendor == "postgresql" and trigram_available():
        for other in _trigram_similar(customer):
            found[tuple(sorted((customer.pk, other)))].append("similar_name")
    _by_email_domain(customers, found, limit)
    if customer is not None:
        found = {pair: r for pair, r in found.items() if customer.pk in pair}
    dismissed = (
        set(
            DuplicateDismissal.objects.filter(
                Q(first__in=_ids(found)) | Q(second__in=_ids(found))
            ).values_list("first", "second")
        )
        if found
        else set()
    )
    pairs = sorted(pair for pair in found if pair not in dismissed)[:limit]
    rows = Customer.objects.in_bulk(_ids({p: None for p in pairs}))
    result = []
    for a, b in pairs:
        reasons = list(dict.fromkeys(found[(a, b)]))
        if plain_name(rows[a].name) == plain_name(rows[b].name) and "similar_name" in reasons:
            reasons[reasons.index("similar_name")] = "name"
        result.append(Suggestion(rows[a], rows[b], reasons))
    return result


def _ids(pairs) -> set[int]:
    return {pk for pair in pairs for pk in pair}


def _neighbourhood(customer: Customer, customers):
    """The customers that can share a key with this one: a handful of indexed lookups."""
    match = Q(pk=customer.pk) | Q(name_key=customer.name_key)
    if customer.organization_number:
        match |= Q(organization_number=customer.organization_number)
    if customer.bank_account:
        match |= Q(bank_account=customer.bank_account)
    domain = email_domain(customer.email)
    if domain:
        match |= Q(email__iendswith="@" + domain)
    return customers.filter(match)


def _by_email_domain(customers, found, limit: int) -> None:
    """Same company e-mail domain and a word of the name in common. The domains are grouped
    in the database (one scan), only the customers of shared domains are read."""
    domain = Lower(Substr("email", StrIndex("email", Value("@")) + 1))
    with_domain = (
        customers.exclude(email="").annotate(domain=domain).exclude(domain__in=FREE_MAIL_DOMAINS)
    )
    shared = list(
        with_domain.values("domain")
        .annotate(n=Count("pk"), first=Min("pk"))
        .filter(n__gt=1, n__lte=MAX_GROUP)
        .order_by("first")
        .values_list("domain", flat=True)[:limit]
    )
    by_domain = defaultdict(list)
    for pk, name, key in with_domain.filter(domain__in=shared).values_list(
        "pk", "domain", "name_key"
    ):
        by_domain[name].append((pk, key))
    for members in by_domain.values():
        for (a, key_a), (b, key_b) in _pair_rows(members):
            if set(key_a.split()) & set(key_b.split()):
                found[(min(a, b), max(a, b))].append("email_domain")


def _pair_rows(members):
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            yield a, b


_trigram: bool | None = None


def trigram_available() -> bool:
    global _trigram
    if _trigram is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _trigram = cursor.fetchone() is not None
    return _trigram


def _trigram_similar(customer: Customer, threshold: float = 0.6) -> list[int]:
    table = Customer._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id <> %s AND merged_into_id IS NULL "
            "AND similarity(name_key, %s) >= %s LIMIT 20",
            [customer.pk, customer.name_key, threshold],
        )
        return [row[0] for row in cursor.fetchall()]


def suggestions_for(customer: Customer) -> list[Suggestion]:
    return duplicate_suggestions(customer=customer, limit=20)


__all__ = ["MERGED", "SURVIVOR"]
