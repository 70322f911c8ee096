"""Every change to customers, contacts and notes goes through these functions: they validate,
save in one transaction and write the activity log. Views, the API, commands and tests call them."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import field_changes, log_activity
from kunde.company.models import Company
from kunde.customers.models import Contact, Customer, Note, Tag

# The master-data fields a user edits (forms and the API use this list).
EDITABLE_FIELDS = [
    "number",
    "name",
    "kind",
    "organization_number",
    "organization_form",
    "vat_number",
    "country",
    "status",
    "postal_street",
    "postal_postcode",
    "postal_city",
    "postal_country",
    "visiting_street",
    "visiting_postcode",
    "visiting_city",
    "delivery_street",
    "delivery_postcode",
    "delivery_city",
    "email",
    "invoice_email",
    "phone",
    "website",
    "bank_account",
    "language",
    "currency",
    "account_manager",
    "invoice_delivery",
    "external_invoice_email",
]
CONTACT_FIELDS = ["name", "role", "email", "phone", "is_primary"]


class StaleEdit(Exception):
    """Someone else saved the customer after the editor loaded it."""


def next_customer_number() -> int:
    start = Company.load().customer_number_start
    highest = Customer.objects.filter(number__gte=start).aggregate(n=Max("number"))["n"]
    return start if highest is None else highest + 1


def customers_with_organization_number(organization_number: str, exclude_id=None):
    if not organization_number:
        return Customer.objects.none()
    return Customer.objects.filter(organization_number=organization_number).exclude(pk=exclude_id)


def _check_duplicate_organization(customer: Customer, allow_duplicate: bool) -> None:
    if allow_duplicate:
        return
    other = customers_with_organization_number(customer.organization_number, customer.pk).first()
    if other:
        raise ValidationError(
            {
                "organization_number": ValidationError(
                    _(
                        "Customer %(other)s has the same organisation number. Confirm to create "
                        "a duplicate anyway; duplicates can be merged later."
                    )
                    % {"other": other},
                    code="duplicate_organization",
                )
            }
        )


def _contact_names(customer: Customer) -> list[str]:
    if customer.pk is None:
        return []
    return list(customer.contacts.values_list("name", flat=True))


def _snapshot(customer: Customer, tags) -> dict:
    """The editable values for the log (choice codes: the page shows their labels)."""
    values = {field: getattr(customer, field) for field in EDITABLE_FIELDS}
    values["account_manager"] = str(customer.account_manager) if customer.account_manager else None
    values["tags"] = sorted(tag.name for tag in tags)
    return values


def customer_create(*, actor, data: dict, tags=(), allow_duplicate_organization=False) -> Customer:
    """Create a customer. Without a number it gets the next one from the company's series."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    number_given = bool(data.get("number"))
    for _attempt in range(5):
        customer = Customer(**data)
        if not number_given:
            customer.number = next_customer_number()
        customer.full_clean()
        _check_duplicate_organization(customer, allow_duplicate_organization)
        customer.refresh_derived_fields([])
        try:
            with transaction.atomic():
                customer.save()
                customer.tags.set(tags)
                log_activity(
                    customer=customer,
                    actor=actor,
                    action="customer.created",
                )
            return customer
        except IntegrityError:
            # Someone took the same number between our check and our insert.
            if number_given:
                raise ValidationError(
                    {"number": _("This customer number was just taken.")}
                ) from None
    raise ValidationError({"number": _("Could not find a free customer number; try again.")})


def customer_update(
    *,
    actor,
    customer: Customer,
    data: dict,
    expected_version: int | None,
    tags=None,
    allow_duplicate_organization=False,
) -> Customer:
    """Change master data. `expected_version` is the version the editor loaded (None: no check)."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    with transaction.atomic():
        fresh = (
            # of=self: PostgreSQL cannot lock the nullable side of the account-manager join.
            Customer.objects.select_for_update(of=("self",))
            .select_related("account_manager")
            .get(pk=customer.pk)
        )
        if expected_version is not None and fresh.version != expected_version:
            raise StaleEdit
        if fresh.merged_into_id:
            raise ValidationError(
                _("This customer was merged into customer %(id)s; change that one instead.")
                % {"id": fresh.merged_into_id}
            )
        old_tags = list(fresh.tags.all())
        before = _snapshot(fresh, old_tags)
        for field, value in data.items():
            setattr(fresh, field, value)
        fresh.full_clean()
        if (
            "organization_number" in data
            and before["organization_number"] != fresh.organization_number
        ):
            _check_duplicate_organization(fresh, allow_duplicate_organization)
        new_tags = old_tags if tags is None else list(tags)
        changes = field_changes(before, _snapshot(fresh, new_tags))
        if not changes:
            return fresh
        fresh.refresh_derived_fields(_contact_names(fresh))
        fresh.version += 1
        fresh.save()
        if tags is not None:
            fresh.tags.set(new_tags)
        log_activity(
            customer=fresh,
            actor=actor,
            action="customer.updated",
            params={"fields": list(changes)},
            changes=changes,
        )
    return fresh


def _refresh_search_text(customer: Customer) -> None:
    customer.refresh_derived_fields(_contact_names(customer))
    Customer.objects.filter(pk=customer.pk).update(search_text=customer.search_text)


def _save_contact(contact: Contact) -> None:
    """Save inside the caller's transaction; a new primary contact replaces the old one."""
    if contact.is_primary:
        contact.customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(
            is_primary=False
        )
    contact.full_clean()
    contact.save()
    _refresh_search_text(contact.customer)


def contact_add(*, actor, customer: Customer, data: dict) -> Contact:
    with transaction.atomic():
        contact = Contact(customer=customer, **data)
        # The first contact is the primary one until someone says otherwise.
        if not customer.contacts.exists():
            contact.is_primary = True
        _save_contact(contact)
        log_activity(
            customer=customer,
            actor=actor,
            action="contact.added",
            params={"name": contact.name},
        )
    return contact


def contact_update(*, actor, contact: Contact, data: dict) -> Contact:
    with transaction.atomic():
        before = {field: getattr(contact, field) for field in CONTACT_FIELDS}
        for field, value in data.items():
            setattr(contact, field, value)
        _save_contact(contact)
        changes = field_changes(before, {f: getattr(contact, f) for f in CONTACT_FIELDS})
        if changes:
            log_activity(
                customer=contact.customer,
                actor=actor,
                action="contact.updated",
                params={"name": contact.name},
                changes=changes,
            )
    return contact


def contact_remove(*, actor, contact: Contact) -> None:
    customer = contact.customer
    with transaction.atomic():
        contact.delete()
        _refresh_search_text(customer)
        log_activity(
            customer=customer,
            actor=actor,
            action="contact.removed",
            params={"name": contact.name},
        )


def _require_author(actor, note: Note) -> None:
    if note.author_id != actor.pk:
        raise PermissionDenied(_("Only the author may change or delete a note."))


def _clean_note_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("A note needs some text.")})
    return text


def note_add(*, actor, customer: Customer, text: str) -> Note:
    with transaction.atomic():
        note = Note.objects.create(customer=customer, author=actor, text=_clean_note_text(text))
        log_activity(customer=customer, actor=actor, action="note.added")
    return note


def note_update(*, actor, note: Note, text: str) -> Note:
    _require_author(actor, note)
    with transaction.atomic():
        old = note.text
        note.text = _clean_note_text(text)
        note.edited_at = timezone.now()
        note.save()
        log_activity(
            customer=note.customer,
            actor=actor,
            action="note.updated",
            changes={"text": {"old": old, "new": note.text}},
        )
    return note


def note_delete(*, actor, note: Note) -> None:
    _require_author(actor, note)
    with transaction.atomic():
        note.delete()
        log_activity(
            customer=note.customer,
            actor=actor,
            action="note.deleted",
            changes={"text": {"old": note.text, "new": ""}},
        )


def tags_by_name(names: list[str]) -> list[Tag]:
    tags = list(Tag.objects.filter(name__in=names))
    missing = set(names) - {tag.name for tag in tags}
    if missing:
        raise ValidationError(
            {"tags": _("Unknown tags: %(tags)s") % {"tags": ", ".join(sorted(missing))}}
        )
    return tags
