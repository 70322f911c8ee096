from kunde.activity.models import ActivityEntry


def log_activity(*, customer, actor, action: str, summary: str, changes=None) -> ActivityEntry:
    return ActivityEntry.objects.create(
        customer=customer, actor=actor, action=action, summary=summary, changes=changes or {}
    )


def log_activities(entries: list[ActivityEntry]) -> None:
    """Many entries in one insert, for batch actions (a bank file books thousands of payments)."""
    ActivityEntry.objects.bulk_create(entries, batch_size=1000)


def field_changes(before: dict, after: dict, labels: dict[str, str]) -> dict:
    """The fields whose value differs, as {field: {"label", "old", "new"}} with text values."""
    changes = {}
    for field, old in before.items():
        new = after.get(field)
        if old != new:
            changes[field] = {
                "label": labels.get(field, field),
                "old": _text(old),
                "new": _text(new),
            }
    return changes


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)
