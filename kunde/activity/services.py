from datetime import date
from decimal import Decimal

from kunde.activity.messages import ACTIONS
from kunde.activity.models import ActivityEntry
from kunde.lib.model_rows import row_insert


def activity_entry(
    *, customer=None, customer_id=None, actor, action: str, params=None, changes=None, on=None
) -> ActivityEntry:
    """An unsaved entry. `action` must be one of `activity.messages.ACTIONS`; `params` are plain
    JSON values (money as øre, dates as dates), never translated text: the page words them in
    the reader's language. `on` is the document's own date when it is not today (an invoice
    issued with an earlier date, imported or demo history)."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown activity action: {action}")
    return ActivityEntry(
        customer=customer,
        customer_id=customer_id if customer is None else customer.pk,
        actor=actor,
        action=action,
        params=_json(params or {}),
        changes=changes or {},
        occurred_on=on,
    )


def log_activity(*, customer, actor, action: str, params=None, changes=None, on=None):
    entry = activity_entry(
        customer=customer, actor=actor, action=action, params=params, changes=changes, on=on
    )
    row_insert(entry)  # save(), without compiling the INSERT each time: issuing logs every issue
    return entry


def log_activities(entries: list[ActivityEntry]) -> None:
    """Many entries in one insert, for batch actions (a bank file books thousands of payments)."""
    ActivityEntry.objects.bulk_create(entries, batch_size=1000)


def field_changes(before: dict, after: dict) -> dict:
    """The fields whose value differs, as {field: {"old", "new"}} with JSON values (dates as ISO
    text with "type": "date", øre amounts with "type": "money"). Labels and choice names are
    looked up when the entry is shown, in the reader's language."""
    changes = {}
    for name, old in before.items():
        new = after.get(name)
        if old != new:
            change = {"old": _value(old), "new": _value(new)}
            kind = _kind(name, old if old is not None else new)
            if kind:
                change["type"] = kind
            changes[name] = change
    return changes


def _kind(name: str, value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int) and name.endswith("_ore"):
        return "money"
    return ""


def _value(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return sorted(str(v) for v in value)
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _json(params: dict) -> dict:
    def one(value):
        if isinstance(value, dict):
            return value
        if isinstance(value, list | tuple):
            return [str(v) for v in value]  # in the given order (fields as on the form)
        return _value(value)

    return {name: one(value) for name, value in params.items()}
