"""What a merge does with each reference to a customer, keyed by "app.Model.field".

`references()` reads every ForeignKey, OneToOneField, ManyToManyField and GenericForeignKey
that can point at a `Customer` from Django's model metadata, so a model added later is found
without anyone remembering this file; `missing_rules()` names those without a rule here, and
both the merge (which refuses) and a test (which fails) check it. Each rule moves rows with one
bulk UPDATE per table and returns their ids, so that the merge can be undone exactly. A unique
clash is resolved by a stated rule (the survivor's row wins, the merged customer's stays on
it) and written down: no rule deletes a row.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

CHUNK = 900  # ids per `IN (...)`: SQLite's older limit of variables per statement


def chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def id_filters(ids: list[int], field: str = "pk") -> Iterator[Q]:
    """Conditions that together select exactly these ids, in few statements: runs of
    consecutive ids (bulk-inserted rows mostly are) as ranges, the rest as `IN` lists."""
    runs, singles = [], []
    ordered = sorted(set(ids))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            if i - start >= 3:
                runs.append((ordered[start], ordered[i - 1]))
            else:
                singles.extend(ordered[start:i])
            start = i
    for begin in range(0, len(runs), 200):
        condition = Q()
        for low, high in runs[begin : begin + 200]:
            condition |= Q(**{f"{field}__range": (low, high)})
        yield condition
    for chunk in chunks(singles):
        yield Q(**{f"{field}__in": chunk})


@dataclass
class MergeContext:
    survivor: models.Model
    merged: models.Model
    choices: dict


class Rule:
    """Move every row of `model.field` from the merged customer to the survivor."""

    key: str = ""

    def bind(self, key: str) -> "Rule":
        self.key = key
        label, self.field_name = key.rsplit(".", 1)
        self.model = apps.get_model(label)
        self.field = self.model._meta.get_field(self.field_name)
        return self

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def rows(self):
        # The base manager: a plain queryset, without the append-only guards of payments
        # (moving the owner is the one change a merge makes to them).
        return self.model._base_manager.all()

    def of(self, customer_id: int):
        return self.rows().filter(**{self.field.attname: customer_id})

    def count(self, customer_id: int) -> int:
        return self.of(customer_id).count()

    def move(self, ctx: MergeContext) -> tuple[list[int], dict]:
        ids = list(self.of(ctx.merged.pk).values_list("pk", flat=True))
        if ids:
            self.of(ctx.merged.pk).update(**{self.field.attname: ctx.survivor.pk})
        return ids, {}

    def blockers(self, survivor_id: int, ids: list[int], resolved: dict) -> list[str]:
        # One indexed read of the survivor's rows, compared in Python.
        gone = set(ids) - set(self.of(survivor_id).values_list("pk", flat=True))
        if gone:
            return [
                _("%(n)s of the moved %(what)s no longer belong to the survivor.")
                % {"n": len(gone), "what": self.label}
            ]
        return []

    def back(self, survivor_id: int, merged_id: int, ids: list[int], resolved: dict) -> None:
        for condition in id_filters(ids):
            self.of(survivor_id).filter(condition).update(**{self.field.attname: merged_id})


class Keep(Rule):
    """History that names the customer as it was (merge records, dismissed pairs): not moved."""

    def count(self, customer_id: int) -> int:
        return 0

    def move(self, ctx):
        return [], {}


class MoveDocuments(Rule):
    """Invoices and credit notes, issued ones included: only the customer changes, through the
    one path the database triggers allow (`InvoiceQuerySet.customer_move`)."""

    def move(self, ctx):
        ids = self.model.objects.customer_move(from_id=ctx.merged.pk, to_id=ctx.survivor.pk)
        return ids, {}

    def back(self, survivor_id, merged_id, ids, resolved):
        self.model.objects.customer_move_back(
            conditions=id_filters(ids), from_id=survivor_id, to_id=merged_id
        )


class MoveOnePerCustomer(Rule):
    """A row a customer has at most one of (`condition`): when the survivor has one, its own
    is kept and the merged customer's stays with the merged customer (shown in the preview,
    back in use after an undo); the rest moves."""

    def __init__(self, condition: Q | None = None):
        self.condition = condition or Q()

    def move(self, ctx):
        left = []
        if self.of(ctx.survivor.pk).filter(self.condition).exists():
            left = list(self.of(ctx.merged.pk).filter(self.condition).values_list("pk", flat=True))
        moving = self.of(ctx.merged.pk).exclude(pk__in=left)
        ids = list(moving.values_list("pk", flat=True))
        if ids:
            moving.update(**{self.field.attname: ctx.survivor.pk})
        return ids, ({"left_on_merged": left} if left else {})

    def clash(self, survivor_id: int, merged_id: int) -> bool:
        return (
            self.of(survivor_id).filter(self.condition).exists()
            and self.of(merged_id).filter(self.condition).exists()
        )


class MoveOptions(MoveOnePerCustomer):
    """The customer's invoicing options: one row per customer. When both have one, the
    preview's choice `invoice_options` says whose values the survivor keeps; "merged" copies
    the merged customer's settings into the survivor's row (its old values written down for the
    undo). The merged customer's row stays with it either way."""

    def __init__(self):
        super().__init__(Q(level="customer"))

    def _settings(self) -> list[str]:
        skip = {"id", "level", "customer", "project"}
        return [f.attname for f in self.model._meta.concrete_fields if f.name not in skip]

    def _values(self, row) -> dict:
        return {name: _plain(getattr(row, name)) for name in self._settings()}

    def move(self, ctx):
        ids, resolved = super().move(ctx)
        if resolved and ctx.choices.get("invoice_options") == "merged":
            kept = self.of(ctx.survivor.pk).filter(self.condition).get()
            theirs = self.rows().get(pk=resolved["left_on_merged"][0])
            before, taken = self._values(kept), self._values(theirs)
            self.rows().filter(pk=kept.pk).update(**taken)
            resolved.update({"copied_into": kept.pk, "before": before, "taken": taken})
        return ids, resolved

    def blockers(self, survivor_id, ids, resolved):
        problems = super().blockers(survivor_id, ids, resolved)
        if "copied_into" in resolved:
            row = self.rows().filter(pk=resolved["copied_into"]).first()
            if row is None or self._values(row) != resolved["taken"]:
                problems.append(_("The survivor's invoicing options were changed since."))
        return problems

    def back(self, survivor_id, merged_id, ids, resolved):
        super().back(survivor_id, merged_id, ids, resolved)
        if "copied_into" in resolved:
            self.rows().filter(pk=resolved["copied_into"]).update(**resolved["before"])


def _plain(value):
    """A JSON value of a model field's value (decimals as text, dates as ISO text)."""
    from datetime import date
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


class MoveContacts(Rule):
    """Contacts: one primary contact per customer. When both have one, the preview's choice
    `primary_contact` ("survivor" by default) says whose stays primary; the other becomes an
    ordinary contact, and an undo makes it primary again."""

    def move(self, ctx):
        resolved = {}
        primaries = dict(
            self.rows()
            .filter(customer_id__in=[ctx.survivor.pk, ctx.merged.pk], is_primary=True)
            .values_list("customer_id", "pk")
        )
        if len(primaries) == 2:
            keep = ctx.choices.get("primary_contact", "survivor")
            loser = ctx.survivor.pk if keep == "merged" else ctx.merged.pk
            self.rows().filter(pk=primaries[loser]).update(is_primary=False)
            resolved = {"demoted": primaries[loser]}
        ids, _unused = super().move(ctx)
        return ids, resolved

    def blockers(self, survivor_id, ids, resolved):
        problems = super().blockers(survivor_id, ids, resolved)
        demoted = resolved.get("demoted")
        if demoted and not self.rows().filter(pk=demoted, is_primary=False).exists():
            problems.append(_("The contact that stopped being primary was changed since."))
        return problems

    def back(self, survivor_id, merged_id, ids, resolved):
        # The survivor's current primary, if it is one of the moved contacts, goes back as
        # primary to the merged customer; the demoted one is primary again.
        super().back(survivor_id, merged_id, ids, resolved)
        demoted = resolved.get("demoted")
        if demoted:
            self.rows().filter(pk=demoted).update(is_primary=True)


class MoveManyToMany(Rule):
    """A many-to-many on the customer (tags): its link rows move unless the survivor already
    has the same link; those stay on the merged customer (the survivor has the tag anyway)."""

    def bind(self, key):
        super().bind(key)
        through = self.field.remote_field.through
        self.through = through
        self.own = self.field.m2m_field_name()
        self.other = self.field.m2m_reverse_field_name()
        return self

    @property
    def label(self) -> str:
        return str(self.field.verbose_name)

    def rows(self):
        return self.through._base_manager.all()

    def of(self, customer_id):
        return self.rows().filter(**{f"{self.own}_id": customer_id})

    def move(self, ctx):
        shared = self.of(ctx.survivor.pk).values(f"{self.other}_id")
        moving = self.of(ctx.merged.pk).exclude(**{f"{self.other}_id__in": shared})
        ids = list(moving.values_list("pk", flat=True))
        left = list(self.of(ctx.merged.pk).exclude(pk__in=ids).values_list("pk", flat=True))
        if ids:
            self.rows().filter(pk__in=ids).update(**{f"{self.own}_id": ctx.survivor.pk})
        return ids, ({"left_on_merged": left} if left else {})

    def blockers(self, survivor_id, ids, resolved):
        if set(ids) - set(self.of(survivor_id).values_list("pk", flat=True)):
            return [_("Tags moved by the merge were removed from the survivor since.")]
        return []

    def back(self, survivor_id, merged_id, ids, resolved):
        for condition in id_filters(ids):
            self.of(survivor_id).filter(condition).update(**{f"{self.own}_id": merged_id})


class MoveGeneric(Rule):
    """A GenericForeignKey (content type + object id) that may name a customer."""

    def bind(self, key):
        label, self.field_name = key.rsplit(".", 1)
        self.key = key
        self.model = apps.get_model(label)
        gfk = next(f for f in self.model._meta.private_fields if f.name == self.field_name)
        self.ct_field, self.id_field = gfk.ct_field, gfk.fk_field
        return self

    def of(self, customer_id):
        from django.contrib.contenttypes.models import ContentType

        from kunde.customers.models import Customer

        ct = ContentType.objects.get_for_model(Customer)
        return self.rows().filter(**{self.ct_field: ct, self.id_field: customer_id})

    def move(self, ctx):
        ids = list(self.of(ctx.merged.pk).values_list("pk", flat=True))
        if ids:
            self.of(ctx.merged.pk).update(**{self.id_field: ctx.survivor.pk})
        return ids, {}

    def blockers(self, survivor_id, ids, resolved):
        still = sum(self.of(survivor_id).filter(pk__in=c).count() for c in chunks(ids))
        return [] if still == len(ids) else [_("Moved rows changed since the merge.")]

    def back(self, survivor_id, merged_id, ids, resolved):
        for chunk in chunks(ids):
            self.of(survivor_id).filter(pk__in=chunk).update(**{self.id_field: merged_id})


# Applied in this order; an undo goes backwards. Every reference to a customer needs a line
# (the test `test_every_reference_to_a_customer_has_a_rule` fails otherwise).
RULES: dict[str, Rule] = {
    "customers.Customer.merged_into": Rule(),  # earlier merges now lead to the survivor
    "customers.Customer.tags": MoveManyToMany(),
    "customers.Contact.customer": MoveContacts(),
    "customers.Note.customer": Rule(),
    "projects.Project.customer": Rule(),
    "invoices.InvoiceOptions.customer": MoveOptions(),
    "invoices.HourlyRate.customer": Rule(),
    "invoices.Invoice.customer": MoveDocuments(),
    "offers.Offer.customer": Rule(),  # sent revisions keep their frozen documents
    "payments.Payment.customer": Rule(),
    "ehf.EhfReceiver.customer": MoveOnePerCustomer(),
    "files.CustomerFile.customer": Rule(),
    "jobs.Job.customer": Rule(),
    "activity.ActivityEntry.customer": Rule(),
    "merges.CustomerMerge.survivor": Keep(),
    "merges.CustomerMerge.merged": Keep(),
    "merges.DuplicateDismissal.first": Keep(),
    "merges.DuplicateDismissal.second": Keep(),
    # Derived from the projects' hours: the merge and its undo make it again (stats.summary).
    "stats.CustomerHours.customer": Keep(),
    # Follow their invoices to the other customer and back: the database triggers move them.
    "payments.InvoiceOpenAmount.customer": Keep(),
    "stats.InvoiceMonth.customer": Keep(),
    "stats.PaymentMonth.customer": Keep(),
}


def references() -> list[str]:
    """Every "app.Model.field" through which a row can refer to a customer, from the model
    metadata: foreign keys and one-to-ones to Customer, many-to-manys on or to Customer (their
    auto-created link tables are covered by the field), and every GenericForeignKey."""
    from kunde.customers.models import Customer

    keys = []
    for model in apps.get_models():
        for field in model._meta.get_fields(include_hidden=True):
            key = f"{model._meta.label}.{field.name}"
            if isinstance(field, GenericForeignKey):
                keys.append(key)
            elif not field.is_relation or field.auto_created:
                continue
            elif field.many_to_many:
                if model is Customer or field.related_model is Customer:
                    keys.append(key)
            elif field.concrete and field.related_model is Customer:
                keys.append(key)
    return sorted(set(keys))


def missing_rules() -> list[str]:
    return [key for key in references() if key not in RULES]


_bound = False


def bound_rules() -> dict[str, Rule]:
    """The rules with their models looked up (once, after the apps are ready)."""
    global _bound
    if not _bound:
        for key, rule in RULES.items():
            if isinstance(rule, Rule) and key.split(".")[0] in _installed_labels():
                rule.bind(key)
        _bound = True
    return {key: rule for key, rule in RULES.items() if hasattr(rule, "model")}


def _installed_labels() -> set[str]:
    return {config.label for config in apps.get_app_configs()}
