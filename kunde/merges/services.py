"""Merging one customer into another, and undoing it: one atomic function each.

`customer_merge` locks both customers (lowest id first, so two merges never deadlock), moves
every reference by the rules in `merges.rules`, writes the chosen field values on the
survivor, leaves the merged customer as a tombstone (`merged_into`) and records everything in a
`CustomerMerge`. `merge_undo` puts every recorded row back and restores both profiles, or
refuses, saying why, and changes nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import field_changes, log_activity
from kunde.customers.models import Customer
from kunde.customers.services import EDITABLE_FIELDS, _contact_names, _snapshot
from kunde.merges.models import CustomerMerge
from kunde.merges.rules import MergeContext, bound_rules, missing_rules
from kunde.stats.summary import hours_moved

# The profile fields the user chooses between; the number stays with each customer (the
# merged customer's number is kept on its tombstone: KIDs and old documents name it).
MERGE_FIELDS = [field for field in EDITABLE_FIELDS if field != "number"]
# Choices that are not profile fields: whose primary contact stays primary.
OTHER_CHOICES = ["primary_contact", "invoice_options"]
SURVIVOR, MERGED = "survivor", "merged"


class MergeRefused(Exception):
    """The merge (or undo) cannot be done; the message says why. Nothing was changed."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(str(m) for m in self.messages))


def _filled(value) -> bool:
    return value not in (None, "", [])


def default_choices(survivor: Customer, merged: Customer) -> dict[str, str]:
    """The survivor's value where it has one, else the merged customer's."""
    choices = {}
    for field in MERGE_FIELDS:
        attname = Customer._meta.get_field(field).attname
        choices[field] = SURVIVOR if _filled(getattr(survivor, attname)) else MERGED
    choices["primary_contact"] = SURVIVOR
    choices["invoice_options"] = SURVIVOR
    return choices


def clean_choices(survivor: Customer, merged: Customer, given: dict | None) -> dict[str, str]:
    choices = default_choices(survivor, merged)
    unknown = set(given or {}) - set(MERGE_FIELDS) - set(OTHER_CHOICES)
    if unknown:
        raise MergeRefused(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for field, choice in (given or {}).items():
        if choice not in (SURVIVOR, MERGED):
            raise MergeRefused(_('Choose "survivor" or "merged" for %(f)s.') % {"f": field})
        choices[field] = choice
    return choices


def has_documents(customer_id: int) -> bool:
    from kunde.invoices.models import Invoice
    from kunde.payments.models import Payment

    return (
        Invoice.objects.filter(customer_id=customer_id, status="issued").exists()
        or Payment.objects.filter(customer_id=customer_id).exists()
    )


def merge_refusals(
    *, actor, survivor: Customer, merged: Customer, allow_different_organization=False
) -> list[str]:
    """Why these two cannot be merged (empty: they can). The preview shows the same list."""
    problems = []
    if survivor.pk == merged.pk:
        return [_("A customer cannot be merged into itself.")]
    if merged.merged_into_id:
        problems.append(
            _("Customer %(c)s was already merged into another customer.") % {"c": merged}
        )
    if survivor.merged_into_id:
        problems.append(
            _("Customer %(c)s was merged into another customer; merge into that one.")
            % {"c": survivor}
        )
    if (
        survivor.organization_number
        and merged.organization_number
        and survivor.organization_number != merged.organization_number
        and not (allow_different_organization and actor.can_manage_users)
    ):
        problems.append(
            _(
                "The organisation numbers differ (%(a)s and %(b)s): these may be two companies. "
                "Only an administrator can merge them anyway."
            )
            % {"a": survivor.organization_number, "b": merged.organization_number}
        )
    if survivor.currency != merged.currency and (
        has_documents(survivor.pk) and has_documents(merged.pk)
    ):
        problems.append(
            _(
                "The customers are invoiced in different currencies (%(a)s and %(b)s) and both "
                "have invoices or payments: their ledgers cannot be joined."
            )
            % {"a": survivor.currency, "b": merged.currency}
        )
    missing = missing_rules()
    if missing:
        problems.append(
            _("The merge does not know how to move %(refs)s yet.") % {"refs": ", ".join(missing)}
        )
    return problems


def _lock_pair(first_id: int, second_id: int) -> dict[int, Customer]:
    # Lowest id first: two merges of the same pair (either way round) queue instead of
    # deadlocking. of=self: the nullable account-manager join cannot be locked on PostgreSQL.
    # no_key (FOR NO KEY UPDATE): a payment booked meanwhile checks its foreign key to the
    # customer with a key-share lock; a full FOR UPDATE would block it while it holds the
    # invoice the merge is about to move, and the two would deadlock.
    locked = (
        Customer.objects.select_for_update(of=("self",), no_key=True)
        .select_related("account_manager")
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    )
    customers = {c.pk: c for c in locked}
    if len(customers) != len({first_id, second_id}):
        raise MergeRefused(_("One of the customers no longer exists."))
    return customers


def customer_merge(
    *,
    actor,
    survivor: Customer,
    merged: Customer,
    field_choices: dict | None = None,
    expected_versions: dict[int, int] | None = None,
    allow_different_organization: bool = False,
) -> CustomerMerge:
    """Merge `merged` into `survivor`. `field_choices` {field: "survivor" | "merged"} says
    whose value each profile field keeps (default: the survivor's where filled);
    `expected_versions` {customer id: version} are the versions the preview showed: a customer
    saved since then is refused as a stale preview."""
    if not actor.can_manage_finance:
        raise PermissionDenied
    if survivor.pk == merged.pk:
        raise MergeRefused(_("A customer cannot be merged into itself."))
    with transaction.atomic():
        locked = _lock_pair(survivor.pk, merged.pk)
        survivor, merged = locked[survivor.pk], locked[merged.pk]
        for customer in (survivor, merged):
            expected = (expected_versions or {}).get(customer.pk)
            if expected is not None and expected != customer.version:
                raise MergeRefused(
                    _(
                        "Customer %(c)s was changed by someone else since the preview was "
                        "opened; open the preview again."
                    )
                    % {"c": customer}
                )
        problems = merge_refusals(
            actor=actor,
            survivor=survivor,
            merged=merged,
            allow_different_organization=allow_different_organization,
        )
        if problems:
            raise MergeRefused(problems)
        choices = clean_choices(survivor, merged, field_choices)
        shown_before = _snapshot(survivor, list(survivor.tags.all()))

        survivor_before, merged_before = _raw(survivor), _raw(merged)
        ctx = MergeContext(survivor=survivor, merged=merged, choices=choices)
        moved, resolved = {}, {}
        for key, rule in bound_rules().items():
            ids, how = rule.move(ctx)
            if ids:
                moved[key] = ids
            if how:
                resolved[key] = how

        for field in MERGE_FIELDS:
            if choices[field] == MERGED:
                attname = Customer._meta.get_field(field).attname
                setattr(survivor, attname, getattr(merged, attname))
        try:
            survivor.full_clean()
        except ValidationError as exc:
            raise MergeRefused(
                [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            ) from None
        survivor.refresh_derived_fields(_contact_names(survivor))
        survivor.version += 1
        survivor.save()
        survivor_after = _snapshot(survivor, list(survivor.tags.all()))

        merged.merged_into = survivor
        merged.version += 1
        merged.save(update_fields=["merged_into", "version", "updated_at"])

        record = CustomerMerge.objects.create(
            survivor=survivor,
            merged=merged,
            actor=actor,
            field_choices=choices,
            changes=field_changes(shown_before, survivor_after),
            survivor_before=_raw(survivor_before),
            merged_before=_raw(merged_before),
            moved=moved,
            resolved=resolved,
        )
        _log_both(record, actor, "customer.merged_in", "customer.merged_away")
        # The moved projects' hours are now the survivor's (and priced at its agreed rates).
        hours_moved([survivor.pk, merged.pk])
    return record


def _raw(customer: Customer) -> dict:
    """The profile fields by column name, as stored (ids for relations): what an undo
    writes back. Plain JSON values: every merge field is text or an id."""
    if isinstance(customer, dict):
        return customer
    values = {}
    for field in MERGE_FIELDS:
        attname = Customer._meta.get_field(field).attname
        values[attname] = getattr(customer, attname)
    values["number"] = customer.number
    values["tags"] = sorted(customer.tags.values_list("pk", flat=True))
    return values


def _taken_from_merged(record: CustomerMerge) -> list[str]:
    """The column names whose value the survivor took from the merged customer."""
    names = []
    for field in MERGE_FIELDS:
        attname = Customer._meta.get_field(field).attname
        if record.field_choices.get(field) == MERGED and (
            record.survivor_before.get(attname) != record.merged_before.get(attname)
        ):
            names.append(attname)
    return names


def _log_both(record: CustomerMerge, actor, survivor_action: str, merged_action: str) -> None:
    log_activity(
        customer=record.survivor,
        actor=actor,
        action=survivor_action,
        params={"other": str(record.merged), "merge": record.pk},
        changes=record.changes if survivor_action == "customer.merged_in" else None,
    )
    log_activity(
        customer=record.merged,
        actor=actor,
        action=merged_action,
        params={"other": str(record.survivor), "merge": record.pk},
    )


def undo_blockers(record: CustomerMerge) -> list[str]:
    """What would make undoing this merge wrong (empty: it can be undone)."""
    if record.undone_at:
        return [_("This merge was already undone.")]
    survivor, merged = record.survivor, record.merged
    problems = []
    if merged.merged_into_id != survivor.pk:
        problems.append(_("The merged customer no longer leads to the survivor."))
    if survivor.merged_into_id:
        problems.append(
            _("The survivor was itself merged into another customer since; undo that first.")
        )
    rules = bound_rules()
    for key in dict.fromkeys([*record.moved, *record.resolved]):
        ids = record.moved.get(key, [])
        rule = rules.get(key)
        if rule is None:
            problems.append(_("Rows of %(key)s cannot be moved back.") % {"key": key})
            continue
        problems += rule.blockers(survivor.pk, ids, record.resolved.get(key, {}))
    problems += _cross_links(record)
    changed = [
        attname
        for attname in _taken_from_merged(record)
        if getattr(survivor, attname) != record.merged_before.get(attname)
    ]
    if changed:
        problems.append(
            _("The survivor's %(fields)s changed since the merge.") % {"fields": ", ".join(changed)}
        )
    return problems


def _cross_links(record: CustomerMerge) -> list[str]:
    """Rows the survivor got after the merge that point at moved rows: they would be split
    from what they belong to (a payment booked on a moved invoice, a credit note of one, a new
    invoice on a moved project). One indexed read of the survivor's rows each."""
    from kunde.invoices.models import Invoice
    from kunde.payments.models import Payment

    problems = []
    invoices = set(record.moved.get("invoices.Invoice.customer", []))
    payments = set(record.moved.get("payments.Payment.customer", []))
    projects = set(record.moved.get("projects.Project.customer", []))
    survivor = record.survivor_id
    if invoices:
        paid = Payment.objects.filter(invoice__customer_id=survivor).values_list("pk", "invoice_id")
        if any(invoice in invoices and pk not in payments for pk, invoice in paid):
            problems.append(_("A payment was booked on a moved invoice after the merge."))
        notes = Invoice.objects.filter(customer_id=survivor, credited_invoice__isnull=False)
        pairs = notes.values_list("pk", "credited_invoice_id")
        if any(credited in invoices and pk not in invoices for pk, credited in pairs):
            problems.append(_("A credit note was made for a moved invoice after the merge."))
    if projects:
        on_projects = Invoice.objects.filter(customer_id=survivor, project__isnull=False)
        pairs = on_projects.values_list("pk", "project_id")
        if any(project in projects and pk not in invoices for pk, project in pairs):
            problems.append(_("An invoice was made on a moved project after the merge."))
    return problems


def merge_undo(*, actor, record: CustomerMerge) -> CustomerMerge:
    """Put every moved row back and give both customers their own values again; refused (and
    nothing changed) when something since the merge would make that wrong. Administrators."""
    if not actor.can_manage_users:
        raise PermissionDenied
    with transaction.atomic():
        record = CustomerMerge.objects.select_for_update().get(pk=record.pk)
        locked = _lock_pair(record.survivor_id, record.merged_id)
        record.survivor, record.merged = locked[record.survivor_id], locked[record.merged_id]
        problems = undo_blockers(record)
        if problems:
            raise MergeRefused(problems)
        survivor, merged = record.survivor, record.merged
        rules = bound_rules()
        for key in reversed(list(rules)):
            if key in record.moved or key in record.resolved:
                rules[key].back(
                    survivor.pk, merged.pk, record.moved.get(key, []), record.resolved.get(key, {})
                )
        for attname in _taken_from_merged(record):
            setattr(survivor, attname, record.survivor_before.get(attname))
        survivor.refresh_derived_fields(_contact_names(survivor))
        survivor.version += 1
        survivor.save()
        merged.merged_into = None
        merged.version += 1
        merged.save(update_fields=["merged_into", "version", "updated_at"])
        record.undone_at = timezone.now()
        record.undone_by = actor
        record.save(update_fields=["undone_at", "undone_by"])
        _log_both(record, actor, "customer.merge_undone", "customer.merge_undone")
        hours_moved([survivor.pk, merged.pk])
    return record
