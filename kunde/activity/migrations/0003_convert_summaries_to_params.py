"""Turn the text of existing activity entries into action parameters where it can be read, so
they are shown in the reader's language. Rows it cannot read keep their text (shown as before).
"""

import re

from django.db import migrations

# Actions whose text carries nothing beyond the action itself.
NO_PARAMS = {
    "customer.created",
    "note.added",
    "note.updated",
    "note.deleted",
    "invoice.draft_created",
    "invoice.draft_deleted",
}
# Actions whose parameter is the list of changed fields, kept in `changes`.
FIELDS = {"customer.updated", "invoice_options.updated"}
CONTACT = {"contact.added", "contact.updated", "contact.removed"}
# "Contact Kari Nordmann added" / "Kontaktperson Kari Nordmann lagt til" (and so on).
CONTACT_TEXT = re.compile(
    r"^(?:Contact|Kontaktperson) (?P<name>.+?) (?:added|changed|removed|lagt til|endret|fjernet)$"
)
# "Invoice 10023 issued, total 29562.50" / "Faktura 10023 utstedt, totalt 29562.50"
ISSUED_TEXT = re.compile(r"^\D*?(?P<number>\d+)\b.*?(?P<total>-?\d+\.\d{2})$")


def convert(apps, schema_editor):
    ActivityEntry = apps.get_model("activity", "ActivityEntry")
    Invoice = apps.get_model("invoices", "Invoice")
    changed = []
    for entry in ActivityEntry.objects.exclude(summary="").iterator(chunk_size=2000):
        params = _params(entry, Invoice)
        if params is None:
            continue
        entry.params = params
        entry.summary = ""
        changed.append(entry)
        if len(changed) >= 1000:
            ActivityEntry.objects.bulk_update(changed, ["params", "summary", "occurred_on"])
            changed = []
    ActivityEntry.objects.bulk_update(changed, ["params", "summary", "occurred_on"])


def _params(entry, Invoice) -> dict | None:
    """The entry's parameters, or None when its text cannot be read."""
    if entry.action in NO_PARAMS:
        return {}
    if entry.action in FIELDS and entry.changes:
        return {"fields": list(entry.changes)}
    if entry.action in CONTACT:
        found = CONTACT_TEXT.match(entry.summary)
        return {"name": found["name"]} if found else None
    if entry.action in {"invoice.issued", "credit_note.issued"}:
        found = ISSUED_TEXT.match(entry.summary)
        if not found:
            return None
        kind = entry.action.split(".")[0]
        invoice = Invoice.objects.filter(
            kind=kind, number=int(found["number"]), customer_id=entry.customer_id
        ).first()
        if invoice is None or invoice.issue_date is None:
            return None
        if invoice.issue_date != entry.at.date():
            entry.occurred_on = invoice.issue_date
        return {
            "doc": {"kind": kind, "number": invoice.number},
            "issue_date": invoice.issue_date.isoformat(),
            "total_ore": invoice.total_ore,
        }
    return None


class Migration(migrations.Migration):
    dependencies = [
        ("activity", "0002_action_params"),
        ("invoices", "0001_initial"),
    ]

    operations = [migrations.RunPython(convert, migrations.RunPython.noop)]
