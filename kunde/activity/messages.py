"""What each activity action says, in the reader's language.

An entry stores its `action` code and its `params` (plain JSON, never translated text); this
module turns them into a sentence when the page is rendered, so a Norwegian and an English
reader each see the same entry in their own language. Params are formatted by their name:

- `*_ore`: money in øre, shown in the reader's locale ("29 562,50 kr", "NOK 29,562.50");
- `date`, `*_date`: an ISO date, shown in the reader's date format;
- `doc`: a document, {"kind": "invoice" | "credit_note", "number": 10023 | None};
- `fields`: field names, shown by the verbose names of the action's model;
- a field of the action's model with choices: its label;
- anything else: as it is.

Entries written before actions had params keep their old text in `summary` and show it.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.translation import get_language, gettext, to_locale
from django.utils.translation import gettext_lazy as _

from kunde.lib.money import ore_to_kroner


@dataclass(frozen=True)
class Action:
    message: str
    # "app_label.Model" whose verbose names and choices name the fields in params and changes.
    model: str | None = None
    # Text appended (after "; ") when the flag of that name is true in params.
    flags: dict = field(default_factory=dict)
    # A free-text param (a reason from outside, e.g. an access point's) appended in brackets.
    detail: str | None = None


_AGAIN = _("sent again after an attempt with unknown outcome, as confirmed")
_EHF_BY_EMAIL = _("EHF is not available yet; sent by e-mail")

ACTIONS: dict[str, Action] = {
    # Customers
    "customer.created": Action(_("Customer created"), "customers.Customer"),
    "customer.updated": Action(_("Changed %(fields)s"), "customers.Customer"),
    "contact.added": Action(_("Contact %(name)s added"), "customers.Contact"),
    "contact.updated": Action(_("Contact %(name)s changed"), "customers.Contact"),
    "contact.removed": Action(_("Contact %(name)s removed"), "customers.Contact"),
    "note.added": Action(_("Note added"), "customers.Note"),
    "note.updated": Action(_("Note changed"), "customers.Note"),
    "note.deleted": Action(_("Note deleted"), "customers.Note"),
    # Invoices and credit notes
    "invoice.draft_created": Action(_("Invoice draft created")),
    "invoice.draft_updated": Action(_("%(doc)s changed")),
    "invoice.draft_deleted": Action(_("Invoice draft deleted")),
    "credit_note.draft_created": Action(_("Credit note draft for %(doc)s created")),
    "invoice.issued": Action(_("%(doc)s issued %(issue_date)s, total %(total_ore)s")),
    "credit_note.issued": Action(_("%(doc)s issued %(issue_date)s, total %(total_ore)s")),
    "invoice.exported": Action(
        _("%(count)s document(s) transferred to accounting (export %(run)s)"), "invoices.Invoice"
    ),
    "invoice.export_status_changed": Action(
        _("Export status set to “%(export_status)s” on %(count)s document(s)"), "invoices.Invoice"
    ),
    # Delivery
    "invoice.letter_queued": Action(_("%(doc)s added to the print queue"), flags={"again": _AGAIN}),
    "credit_note.letter_queued": Action(
        _("%(doc)s added to the print queue"), flags={"again": _AGAIN}
    ),
    "invoice.sent": Action(
        _("%(doc)s e-mailed to %(to)s"), flags={"ehf_by_email": _EHF_BY_EMAIL, "again": _AGAIN}
    ),
    "credit_note.sent": Action(
        _("%(doc)s e-mailed to %(to)s"), flags={"ehf_by_email": _EHF_BY_EMAIL, "again": _AGAIN}
    ),
    "invoice.send_failed": Action(
        _("%(doc)s could not be e-mailed to %(to)s: %(error)s"),
        flags={"ehf_by_email": _EHF_BY_EMAIL, "again": _AGAIN},
    ),
    "credit_note.send_failed": Action(
        _("%(doc)s could not be e-mailed to %(to)s: %(error)s"),
        flags={"ehf_by_email": _EHF_BY_EMAIL, "again": _AGAIN},
    ),
    "invoice.printed": Action(_("%(doc)s printed for sending by letter")),
    "credit_note.printed": Action(_("%(doc)s printed for sending by letter")),
    # Invoicing options and hourly rates
    "invoice_options.updated": Action(
        _("Changed invoicing options: %(fields)s"), "invoices.InvoiceOptions"
    ),
    "invoice_options.project_updated": Action(
        _("Changed invoicing options of project %(project)s: %(fields)s"),
        "invoices.InvoiceOptions",
    ),
    "hourly_rate.added": Action(
        _("Added hourly rate for %(employee)s, %(scope)s: %(rate_ore)s"), "invoices.HourlyRate"
    ),
    "hourly_rate.deleted": Action(
        _("Deleted hourly rate for %(employee)s, %(scope)s: %(rate_ore)s"), "invoices.HourlyRate"
    ),
    # Payments
    "payment.registered": Action(_("Payment of %(amount_ore)s on %(date)s registered on %(doc)s")),
    "payment.corrected": Action(_("Payment of %(amount_ore)s on %(date)s corrected: %(note)s")),
    "payment.written_off": Action(_("%(amount_ore)s written off on %(doc)s")),
    "payment.assigned": Action(_("Payment of %(amount_ore)s from %(date)s assigned to %(doc)s")),
    "payment.assigned_to_credit": Action(
        _("Payment of %(amount_ore)s from %(date)s assigned to the customer's credit")
    ),
    "payment.credit_applied": Action(_("%(amount_ore)s of the customer's credit used on %(doc)s")),
    "payment.credit_refunded": Action(
        _("%(amount_ore)s of the customer's credit paid back: %(note)s")
    ),
    "payment.imported": Action(_("%(count)s payment(s) from import %(import)s, %(total_ore)s")),
    # EHF
    "customer.ehf_verified": Action(_("EHF lookup of %(orgnr)s: %(detail)s")),
    **{
        f"{kind}.ehf_{status}": Action(
            _("%(doc)s EHF: %(status)s"), "ehf.EhfDelivery", detail="reason"
        )
        for kind in ("invoice", "credit_note")
        for status in ("queued", "sent", "delivered", "rejected", "failed", "emailed")
    },
    # Files
    "file.uploaded": Action(_("File %(name)s uploaded")),
    "file.renamed": Action(_("File %(old)s renamed to %(new)s")),
    "file.deleted": Action(_("File %(name)s deleted")),
    "file.restored": Action(_("File %(name)s restored")),
    # Projects, hours and expenses
    "project.created": Action(_("Project %(project)s created"), "projects.Project"),
    "project.updated": Action(_("Project %(project)s: changed %(fields)s"), "projects.Project"),
    "project.activity_added": Action(_("Activity %(name)s added to project %(project)s")),
    "hours.registered": Action(
        _("%(hours)s hours registered on project %(project)s by %(employee)s")
    ),
    "hours.changed": Action(_("Hours of %(date)s on project %(project)s changed")),
    "hours.deleted": Action(_("Hours of %(date)s on project %(project)s deleted")),
    "hours.approved": Action(_("%(count)s time entries (%(hours)s hours) approved on %(project)s")),
    "hours.imported": Action(
        _("%(count)s time entries (%(hours)s hours) imported on project %(project)s")
    ),
    "expense.added": Action(_("Expense %(description)s, %(cost_ore)s, on project %(project)s")),
    "expense.approved": Action(_("%(count)s expense(s) approved on %(project)s")),
    "expense.receipt_added": Action(_("Receipt added to expense %(description)s on %(project)s")),
    # Offers
    "offer.created": Action(_("%(doc)s created, %(net_ore)s excl. VAT")),
    "offer.updated": Action(_("%(doc)s changed, %(net_ore)s excl. VAT")),
    "offer.revised": Action(_("%(doc)s: new revision, %(net_ore)s excl. VAT")),
    "offer.ready": Action(_("%(doc)s ready to send")),
    "offer.sent": Action(_("%(doc)s queued for e-mail to %(to)s, total %(total_ore)s")),
    "offer.sent_by_hand": Action(_("%(doc)s marked as sent by hand, total %(total_ore)s")),
    "offer.emailed": Action(_("%(doc)s e-mailed to %(to)s")),
    "offer.email_failed": Action(_("%(doc)s could not be e-mailed to %(to)s")),
    "offer.accepted": Action(
        _("%(doc)s accepted by %(name)s, %(net_ore)s excl. VAT; project %(project)s")
    ),
    "offer.rejected": Action(_("%(doc)s rejected"), detail="comment"),
    "offer.withdrawn": Action(_("%(doc)s withdrawn")),
    "offer.expired": Action(_("%(doc)s expired (valid until %(date)s)")),
    "offer.milestone_split": Action(
        _("Milestone %(name)s split: %(net_ore)s now, %(rest_ore)s later")
    ),
    # Merges
    "customer.merged_in": Action(
        _("Customer %(other)s merged into this one (merge %(merge)s)"), "customers.Customer"
    ),
    "customer.merged_away": Action(
        _("Merged into customer %(other)s (merge %(merge)s)"), "customers.Customer"
    ),
    "customer.merge_undone": Action(
        _("Merge %(merge)s with customer %(other)s undone"), "customers.Customer"
    ),
}

_DOC_KINDS = {"invoice": _("Invoice"), "credit_note": _("Credit note"), "offer": _("Offer")}
# Rates without a project apply to all of the customer's projects.
ALL_PROJECTS = _("all projects")


def reader_locale() -> str:
    """The Babel locale of the language the page is rendered in ("nb" → "nb_NO")."""
    language = to_locale(get_language() or "nb")
    return "nb_NO" if language == "nb" else language


def format_money_for_reader(ore: int, currency: str = "NOK") -> str:
    return format_currency(ore_to_kroner(ore), currency, locale=reader_locale())


def format_date_for_reader(value) -> str:
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def document_name(doc: dict) -> str:
    kind = str(_DOC_KINDS.get(doc.get("kind"), doc.get("kind", "")))
    if doc.get("number"):
        return f"{kind} {doc['number']}"
    return gettext("%(kind)s (draft)") % {"kind": kind}


def _model(action: Action):
    return apps.get_model(action.model) if action.model else None


def _model_field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_label(model, name: str, fallback: str = "") -> str:
    """A field's name for the reader: the model's verbose name, else the label stored with the
    change (older entries, and values that are not model fields, such as tags)."""
    if name in _FIELD_LABELS:
        return str(_FIELD_LABELS[name])
    model_field = _model_field(model, name)
    if model_field is not None and hasattr(model_field, "verbose_name"):
        return str(model_field.verbose_name)
    return fallback or name


# Labels of values that are not model fields, or whose field name is for developers ("(øre)").
_FIELD_LABELS = {
    "tags": _("tags"),
    "text": _("note"),
    "rate_ore": _("price per hour"),
    "invoice_fee_ore": _("invoice fee"),
}


def format_value(model, name: str, value, kind: str = "") -> str:
    """One logged value as the reader should see it."""
    if value is None or value == "" or value == []:
        return ""
    model_field = _model_field(model, name)
    if kind == "money" or (name.endswith("_ore") and isinstance(value, int)):
        return format_money_for_reader(value)
    if kind == "date" or name == "date" or name.endswith("_date"):
        try:
            return format_date_for_reader(value)
        except ValueError:
            return str(value)
    if name.endswith("_percent") and not isinstance(value, bool):
        try:
            return format_decimal(Decimal(str(value)), locale=reader_locale()) + " %"
        except ArithmeticError:
            return str(value)
    if kind == "bool" or isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if model_field is not None and getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _param(model, name: str, value) -> str:
    if name == "doc" and isinstance(value, dict):
        return document_name(value)
    if name == "fields" and isinstance(value, list):
        return ", ".join(field_label(model, f) for f in value)
    if name == "scope" and not value:
        return str(ALL_PROJECTS)
    return format_value(model, name, value)


def describe(action_code: str, params: dict, legacy_summary: str = "") -> str:
    """The sentence for one entry in the active language. An entry with old text (written
    before params existed, and not convertible) shows that text."""
    action = ACTIONS.get(action_code)
    if legacy_summary or action is None:
        return legacy_summary or action_code
    model = _model(action)
    values = {name: _param(model, name, value) for name, value in (params or {}).items()}
    try:
        text = str(action.message) % values if "%(" in str(action.message) else str(action.message)
    except KeyError:
        return action_code
    if action.detail and (params or {}).get(action.detail):
        text += f" ({params[action.detail]})"
    extra = [str(note) for flag, note in action.flags.items() if (params or {}).get(flag)]
    return "; ".join([text, *extra])


def describe_changes(action_code: str, changes: dict, model_label: str = "") -> dict:
    """The field-by-field changes as {field: {"label", "old", "new"}} for the reader. The fields
    belong to the action's model, or to `model_label` ("app_label.Model") when given."""
    action = ACTIONS.get(action_code)
    if model_label:
        model = apps.get_model(model_label)
    else:
        model = _model(action) if action else None
    rows = {}
    for name, change in (changes or {}).items():
        kind = change.get("type", "")
        # A change of one field on several documents names the document, not the field.
        field_name = change.get("field", name)
        if "doc" in change:
            label = document_name(change["doc"])
        else:
            label = field_label(model, field_name, change.get("label", ""))
        rows[name] = {
            "label": label,
            "old": format_value(model, field_name, change.get("old"), kind),
            "new": format_value(model, field_name, change.get("new"), kind),
        }
    return rows
