"""Every change to projects, hours and expenses goes through these functions: they check the
role and the rules, save in one transaction and write the activity log. Views, the API, the CSV
import, commands and tests call them."""

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.accounts.models import User
from kunde.activity.services import activity_entry, field_changes, log_activities, log_activity
from kunde.projects.models import (
    ActivityKind,
    CostRate,
    Expense,
    Project,
    ProjectActivity,
    TimeEntry,
)
from kunde.projects.pricing import hour_price_ore
from kunde.stats import summary as stats_summary

PROJECT_FIELDS = [
    "number",
    "name",
    "status",
    "price_model",
    "manager",
    "start_date",
    "end_date",
    "hourly_rate_ore",
]
DAY_MINUTES = 24 * 60
FIRST_PROJECT_NUMBER = 1000


def hours_text(minutes: int) -> str:
    """Minutes as decimal hours for the activity log ("7.5")."""
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize())


def today() -> dt.date:
    return timezone.localdate()


# Projects -------------------------------------------------------------------------------------


def next_project_number() -> int:
    highest = Project.objects.aggregate(n=Max("number"))["n"]
    return FIRST_PROJECT_NUMBER if highest is None else highest + 1


def _check_project_editor(actor) -> None:
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not change projects."))


def _check_number(project: Project) -> None:
    if Project.objects.filter(number=project.number).exclude(pk=project.pk).exists():
        raise ValidationError({"number": _("Another project has this number.")})


@transaction.atomic
def project_create(*, actor, customer, data: dict) -> Project:
    """A new project for the customer; `data` holds PROJECT_FIELDS (number optional)."""
    _check_project_editor(actor)
    values = {name: data[name] for name in PROJECT_FIELDS if data.get(name) is not None}
    project = Project(customer=customer, **values)
    if not project.number:
        project.number = next_project_number()
    project.full_clean(validate_unique=False)
    _check_number(project)
    project.save()
    log_activity(
        customer=customer,
        actor=actor,
        action="project.created",
        params={"project": str(project)},
    )
    return project


@transaction.atomic
def project_update(*, actor, project: Project, data: dict) -> Project:
    _check_project_editor(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = {name: _raw(project, name) for name in PROJECT_FIELDS}
    for name in PROJECT_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    if not project.number:
        raise ValidationError({"number": _("A project needs a number.")})
    project.full_clean(validate_unique=False)
    _check_number(project)
    after = {name: _raw(project, name) for name in PROJECT_FIELDS}
    changes = field_changes(before, after)
    if changes:
        project.save()
        log_activity(
            customer=project.customer,
            actor=actor,
            action="project.updated",
            params={"project": str(project), "fields": list(changes)},
            changes=changes,
        )
    return project


def _raw(project: Project, name: str):
    return getattr(project, f"{name}_id") if name == "manager" else getattr(project, name)


# Activities -----------------------------------------------------------------------------------


def _activity_errors(activity: ProjectActivity) -> dict:
    errors = {}
    if not activity.name:
        errors["name"] = _("An activity needs a name.")
    elif (
        ProjectActivity.objects.filter(project_id=activity.project_id, name=activity.name)
        .exclude(pk=activity.pk)
        .exists()
    ):
        errors["name"] = _("The project has an activity of this name already.")
    if activity.kind not in ActivityKind.values:
        errors["kind"] = _("Choose by the hour or fixed price.")
    for field in ("estimated_minutes", "rate_ore", "fixed_ore"):
        value = getattr(activity, field)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**31:
            errors[field] = _("Enter a whole number of zero or more.")
    return errors


@transaction.atomic
def activity_create(
    *,
    actor,
    project: Project,
    name: str,
    kind: str = ActivityKind.HOURLY,
    estimated_minutes: int = 0,
    rate_ore: int = 0,
    fixed_ore: int = 0,
) -> ProjectActivity:
    """A budget line of the project, added by hand (an accepted offer makes its own)."""
    _check_project_editor(actor)
    if project.is_closed:
        raise ValidationError(
            {"project": _("Project %(project)s is closed.") % {"project": project}}
        )
    # The project's row is locked so that two activities of one name cannot both pass.
    Project.objects.select_for_update().filter(pk=project.pk).values("pk").first()
    activity = ProjectActivity(
        project=project,
        name=str(name or "").strip()[:200],
        kind=kind,
        estimated_minutes=estimated_minutes,
        rate_ore=rate_ore if kind == ActivityKind.HOURLY else 0,
        fixed_ore=fixed_ore if kind == ActivityKind.FIXED else 0,
        position=(project.activities.aggregate(n=Max("position"))["n"] or 0) + 1,
    )
    errors = _activity_errors(activity)
    if errors:
        raise ValidationError(errors)
    activity.save()
    log_activity(
        customer=project.customer,
        actor=actor,
        action="project.activity_added",
        params={"project": str(project), "name": activity.name},
    )
    return activity


def _unique_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        suffix = f" ({n})"
        candidate = name[: 200 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def activities_from_offer_lines(*, project: Project, lines) -> list[ProjectActivity]:
    """The budget an accepted offer gives its project: one activity per accepted hourly line
    (estimated hours and the price per hour less the line's discount) and per accepted
    fixed-price line (its net; the offer's milestones of that line invoice it). Expense lines
    are not activities. Called by `offers.services.offer_accept` inside its transaction."""
    taken = set(project.activities.values_list("name", flat=True))
    start = project.activities.aggregate(n=Max("position"))["n"] or 0
    activities = []
    for line in lines:
        if line.kind not in ActivityKind.values or not line.included:
            continue
        hourly = line.kind == ActivityKind.HOURLY
        rate = Decimal(line.unit_price_ore) * (100 - Decimal(line.discount_percent)) / 100
        activities.append(
            ProjectActivity(
                project=project,
                position=start + len(activities) + 1,
                name=_unique_name((line.description or "").strip()[:200] or "–", taken),
                kind=line.kind,
                estimated_minutes=_whole(line.quantity * 60) if hourly else 0,
                rate_ore=_whole(rate) if hourly else 0,
                fixed_ore=0 if hourly else line.net_ore,
                offer_line=line,
            )
        )
    return ProjectActivity.objects.bulk_create(activities)


# Cost rates -----------------------------------------------------------------------------------


def cost_rate_set(*, actor, employee, valid_from: dt.date, rate_ore: int) -> CostRate:
    """The employee's cost per hour from `valid_from` on (replacing a rate of that same day)."""
    if not actor.can_manage_finance:
        raise PermissionDenied(_("Only finance may set cost rates."))
    if rate_ore is None or rate_ore < 0:
        raise ValidationError({"rate_ore": _("Enter a cost of zero or more.")})
    rate, _created = CostRate.objects.update_or_create(
        employee=employee, valid_from=valid_from, defaults={"rate_ore": rate_ore}
    )
    return rate


class CostRates:
    """The cost rates of some employees, loaded in one query: `on(employee_id, date)`."""

    def __init__(self, employee_ids):
        self._rates: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
        rows = CostRate.objects.filter(employee_id__in=set(employee_ids)).order_by(
            "employee_id", "valid_from"
        )
        for employee_id, valid_from, rate in rows.values_list(
            "employee_id", "valid_from", "rate_ore"
        ):
            days, rates = self._rates[employee_id]
            days.append(valid_from)
            rates.append(rate)

    def on(self, employee_id: int, day: dt.date) -> int:
        days, rates = self._rates.get(employee_id, ([], []))
        index = bisect_right(days, day)
        return rates[index - 1] if index else 0


# Hours ----------------------------------------------------------------------------------------


def may_register_for(actor, employee, project: Project) -> bool:
    """Anyone who edits may register their own hours; hours of others only the project's
    manager or finance."""
    if not actor.can_edit_customers:
        return False
    return actor.pk == employee.pk or actor.can_manage_finance or project.manager_id == actor.pk


def may_approve(actor, project: Project) -> bool:
    return actor.is_active and (actor.can_manage_finance or project.manager_id == actor.pk)


def _check_entry(project: Project, day: dt.date, minutes: int, billable: bool) -> None:
    if project.is_closed:
        raise ValidationError(
            {
                "project": _(
                    "Project %(project)s is closed: no more hours can be registered on it."
                )
                % {"project": project}
            }
        )
    if day > today():
        raise ValidationError({"date": _("Hours cannot be registered in the future.")})
    if not isinstance(minutes, int) or minutes <= 0:
        raise ValidationError({"minutes": _("Enter a time of more than zero minutes.")})
    if minutes > DAY_MINUTES:
        raise ValidationError({"minutes": _("A day has no more than 24 hours.")})


def _check_day_total(employee_id: int, day: dt.date, minutes: int, exclude_id=None) -> None:
    """Not more than 24 hours in one day per employee. The caller holds the employee's lock."""
    others = (
        TimeEntry.objects.filter(employee_id=employee_id, date=day)
        .exclude(pk=exclude_id)
        .aggregate(m=Sum("minutes"))["m"]
        or 0
    )
    if others + minutes > DAY_MINUTES:
        raise ValidationError(
            {
                "minutes": _(
                    "%(employee)s would have more than 24 hours on %(date)s (%(hours)s hours "
                    "already registered)."
                )
                % {
                    "employee": User.objects.get(pk=employee_id),
                    "date": day.isoformat(),
                    "hours": hours_text(others),
                }
            }
        )


def _lock_employees(employee_ids) -> None:
    # Two registrations for one employee at once must not both pass the 24-hour rule.
    list(User.objects.select_for_update().filter(pk__in=sorted(set(employee_ids))).values("pk"))


def sales_rate_ore(
    project: Project, employee_id: int, day: dt.date, rates=None, activity=None
) -> int:
    """The price per hour a new time entry takes (`kunde.projects.pricing`)."""
    from kunde.invoices.options import RateBook

    book = rates or RateBook(customer=project.customer, project=project)
    agreed = book.rate_ore(employee_id=employee_id, on=day, project_id=project.pk)
    return hour_price_ore(
        activity=activity, agreed_ore=agreed, project_rate_ore=project.hourly_rate_ore
    )


def _check_activity(project: Project, activity) -> None:
    if activity is not None and activity.project_id != project.pk:
        raise ValidationError(
            {
                "activity": _("%(activity)s is not an activity of project %(project)s.")
                % {"activity": activity, "project": project}
            }
        )


@transaction.atomic
def time_entry_create(
    *,
    actor,
    project: Project,
    employee,
    date: dt.date,
    minutes: int,
    description: str = "",
    billable: bool = True,
    activity: ProjectActivity | None = None,
) -> TimeEntry:
    if not may_register_for(actor, employee, project):
        raise PermissionDenied(_("You may not register hours for this employee on this project."))
    _check_entry(project, date, minutes, billable)
    _check_activity(project, activity)
    _lock_employees([employee.pk])
    _check_day_total(employee.pk, date, minutes)
    entry = TimeEntry(
        project=project,
        employee=employee,
        activity=activity,
        date=date,
        minutes=minutes,
        description=(description or "").strip(),
        billable=billable,
        cost_rate_ore=CostRates([employee.pk]).on(employee.pk, date),
        sales_rate_ore=sales_rate_ore(project, employee.pk, date, activity=activity),
    )
    entry.full_clean(exclude=["project", "employee", "activity", "invoice_line", "approved_by"])
    entry.save()
    stats_summary.hours_added([entry.pk])
    log_activity(
        customer=project.customer,
        actor=actor,
        action="hours.registered",
        params={"hours": hours_text(minutes), "project": str(project), "employee": str(employee)},
        on=date if date != today() else None,
    )
    return entry


def _check_editable(entry: TimeEntry) -> None:
    if entry.invoice_line_id is not None:
        raise ValidationError(_("These hours are invoiced and cannot be changed."))
    if entry.approved:
        raise ValidationError(_("These hours are approved and cannot be changed."))


@transaction.atomic
def time_entry_update(
    *, actor, entry: TimeEntry, minutes: int, description: str, billable: bool
) -> TimeEntry:
    entry = (
        TimeEntry.objects.select_for_update().select_related("project__customer").get(pk=entry.pk)
    )
    if not may_register_for(actor, entry.employee, entry.project):
        raise PermissionDenied(_("You may not change these hours."))
    _check_editable(entry)
    _check_entry(entry.project, entry.date, minutes, billable)
    _lock_employees([entry.employee_id])
    _check_day_total(entry.employee_id, entry.date, minutes, exclude_id=entry.pk)
    entry.minutes = minutes
    entry.description = (description or "").strip()
    entry.billable = billable
    entry.full_clean(exclude=["project", "employee", "activity", "invoice_line", "approved_by"])
    with stats_summary.hours_changing([entry.pk]):
        entry.save(update_fields=["minutes", "description", "billable"])
    log_activity(
        customer=entry.project.customer,
        actor=actor,
        action="hours.changed",
        params={"date": entry.date, "project": str(entry.project)},
    )
    return entry


@transaction.atomic
def time_entry_delete(*, actor, entry: TimeEntry) -> None:
    entry = (
        TimeEntry.objects.select_for_update().select_related("project__customer").get(pk=entry.pk)
    )
    if not may_register_for(actor, entry.employee, entry.project):
        raise PermissionDenied(_("You may not change these hours."))
    _check_editable(entry)
    if entry.project.is_closed:
        raise ValidationError(_("The project is closed: its hours cannot be changed."))
    with stats_summary.hours_changing([entry.pk]):
        entry.delete()
    log_activity(
        customer=entry.project.customer,
        actor=actor,
        action="hours.deleted",
        params={"date": entry.date, "project": str(entry.project)},
    )


@transaction.atomic
def week_save(*, actor, employee, rows: list[dict]) -> int:
    """The weekly grid of one employee: each row is {"project", "activity" (optional),
    "description", "billable", "days": {date: minutes}}. A day's minutes replace the one open
    entry of that project, activity and day (0 deletes it). All or nothing: the first refusal
    rolls the week back, naming the row and day. Returns how many entries changed."""
    changed = 0
    registered: dict[Project, int] = defaultdict(int)
    _lock_employees([employee.pk])
    for row in rows:
        project = row["project"]
        if not may_register_for(actor, employee, project):
            raise PermissionDenied(
                _("You may not register hours for this employee on this project.")
            )
        activity = row.get("activity")
        existing = {
            entry.date: entry
            for entry in TimeEntry.objects.select_for_update().filter(
                project=project, activity=activity, employee=employee, date__in=list(row["days"])
            )
        }
        for day, minutes in sorted(row["days"].items()):
            entry = existing.get(day)
            try:
                if entry is None and minutes:
                    time_entry_create(
                        actor=actor,
                        project=project,
                        employee=employee,
                        date=day,
                        minutes=minutes,
                        description=row.get("description", ""),
                        billable=row.get("billable", True),
                        activity=activity,
                    )
                    registered[project] += minutes
                elif entry is not None and not minutes:
                    time_entry_delete(actor=actor, entry=entry)
                elif entry is not None and (
                    entry.minutes != minutes
                    or entry.description != (row.get("description") or "").strip()
                    or entry.billable != row.get("billable", True)
                ):
                    time_entry_update(
                        actor=actor,
                        entry=entry,
                        minutes=minutes,
                        description=row.get("description", ""),
                        billable=row.get("billable", True),
                    )
                else:
                    continue
            except ValidationError as error:
                raise ValidationError(
                    _("%(project)s, %(date)s: %(error)s")
                    % {
                        "project": f"{project} – {activity}" if activity else project,
                        "date": day.isoformat(),
                        "error": " ".join(error.messages),
                    }
                ) from error
            changed += 1
    return changed


@transaction.atomic
def time_entries_approve(*, actor, ids) -> int:
    """Approve open hours (the project's manager or finance). Hours already approved are left
    as they are; ids the actor may not approve refuse the whole batch. Returns the number
    approved."""
    entries = list(
        TimeEntry.objects.select_for_update()
        .select_related("project__customer")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )
    found = {entry.pk for entry in entries}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"ids": _("No time entry has id %(ids)s.") % {"ids": missing[0]}})
    for entry in entries:
        if not may_approve(actor, entry.project):
            raise PermissionDenied(
                _("Only the project manager or finance may approve the hours of %(project)s.")
                % {"project": entry.project}
            )
    to_approve = [entry for entry in entries if not entry.approved]
    now = timezone.now()
    with stats_summary.hours_changing([entry.pk for entry in to_approve]):
        TimeEntry.objects.filter(pk__in=[entry.pk for entry in to_approve]).update(
            approved=True, approved_by=actor, approved_at=now
        )
    per_project: dict[Project, list[TimeEntry]] = defaultdict(list)
    for entry in to_approve:
        per_project[entry.project].append(entry)
    log_activities(
        [
            activity_entry(
                customer=project.customer,
                actor=actor,
                action="hours.approved",
                params={
                    "count": len(rows),
                    "hours": hours_text(sum(entry.minutes for entry in rows)),
                    "project": str(project),
                },
            )
            for project, rows in per_project.items()
        ]
    )
    return len(to_approve)


# Expenses -------------------------------------------------------------------------------------


def expense_create(
    *,
    actor,
    project: Project,
    date: dt.date,
    description: str,
    cost_ore: int,
    sales_ore: int | None = None,
    billable: bool = True,
    employee=None,
    receipt=None,
) -> Expense:
    """An expense on the project; `receipt` (an uploaded file) goes into the customer's files.
    Everything is checked before the receipt is stored."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not register expenses."))
    if project.is_closed:
        raise ValidationError(
            {
                "project": _(
                    "Project %(project)s is closed: no more expenses can be registered on it."
                )
                % {"project": project}
            }
        )
    if date > today():
        raise ValidationError({"date": _("Expenses cannot be registered in the future.")})
    expense = Expense(
        project=project,
        date=date,
        description=(description or "").strip(),
        cost_ore=cost_ore,
        sales_ore=cost_ore if sales_ore is None else sales_ore,
        billable=billable,
        employee=employee or actor,
    )
    expense.full_clean(exclude=["project", "invoice_line", "receipt", "approved_by", "employee"])
    if expense.cost_ore < 0 or expense.sales_ore < 0:
        raise ValidationError({"cost_ore": _("Enter an amount of zero or more.")})
    stored = _store_receipt(actor, project, expense, receipt) if receipt is not None else None
    with transaction.atomic():
        expense.receipt = stored
        expense.save()
        log_activity(
            customer=project.customer,
            actor=actor,
            action="expense.added",
            params={
                "description": expense.description,
                "cost_ore": expense.cost_ore,
                "project": str(project),
            },
        )
    return expense


def _store_receipt(actor, project: Project, expense: Expense, upload):
    """The receipt among the customer's files, kept as bookkeeping material (never deleted)."""
    from kunde.files.services import file_upload

    return file_upload(
        actor=actor,
        customer=project.customer,
        upload=upload,
        description=(_("Receipt: %(expense)s") % {"expense": expense.description})[:500],
        keep_both=True,
        bookkeeping=True,
    )


def expense_receipt_attach(*, actor, expense: Expense, upload) -> Expense:
    """Add the receipt of an expense registered without one (the API's upload). Refused when
    the expense has a receipt already; the file is checked and stored as the web form does."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not register expenses."))
    project = expense.project
    if expense.receipt_id is not None:
        raise ValidationError(_("This expense has a receipt already."))
    stored = _store_receipt(actor, project, expense, upload)
    with transaction.atomic():
        # Only if nobody attached one meanwhile; else the stored file stays, unused.
        attached = Expense.objects.filter(pk=expense.pk, receipt__isnull=True).update(
            receipt=stored
        )
        if not attached:
            raise ValidationError(_("This expense has a receipt already."))
        log_activity(
            customer=project.customer,
            actor=actor,
            action="expense.receipt_added",
            params={"description": expense.description, "project": str(project)},
        )
    expense.receipt = stored
    return expense


@transaction.atomic
def expenses_approve(*, actor, ids) -> int:
    expenses = list(
        Expense.objects.select_for_update()
        .select_related("project__customer")
        .filter(pk__in=list(ids))
        .order_by("pk")
    )
    found = {expense.pk for expense in expenses}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"ids": _("No expense has id %(ids)s.") % {"ids": missing[0]}})
    for expense in expenses:
        if not may_approve(actor, expense.project):
            raise PermissionDenied(
                _("Only the project manager or finance may approve the expenses of %(project)s.")
                % {"project": expense.project}
            )
    to_approve = [expense for expense in expenses if not expense.approved]
    Expense.objects.filter(pk__in=[expense.pk for expense in to_approve]).update(
        approved=True, approved_by=actor, approved_at=timezone.now()
    )
    per_project: dict[Project, int] = defaultdict(int)
    for expense in to_approve:
        per_project[expense.project] += 1
    log_activities(
        [
            activity_entry(
                customer=project.customer,
                actor=actor,
                action="expense.approved",
                params={"count": count, "project": str(project)},
            )
            for project, count in per_project.items()
        ]
    )
    return len(to_approve)


# Approvals across projects --------------------------------------------------------------------


def parse_approval_key(key: str) -> tuple[str, int, int | None, int] | None:
    """("hours" | "expenses", project id, employee id or None, last id) from a key of
    `selectors.ApprovalGroup`; None when it is not one."""
    parts = str(key).split(":")
    if len(parts) != 4 or parts[0] not in ("hours", "expenses"):
        return None
    kind, project, employee, last = parts
    numbers = [project, last] + ([] if employee == "-" else [employee])
    if not all(n.isdigit() and 0 < int(n) < 2**63 for n in numbers):
        return None
    return kind, int(project), None if employee == "-" else int(employee), int(last)


@transaction.atomic
def open_work_approve(*, actor, keys) -> tuple[int, int]:
    """Approve the open hours and expenses of the groups named by `keys` (the approvals page:
    one employee's open entries on one project, up to the last one shown). All or nothing; a
    group the actor may not approve refuses the lot. Returns (hours entries, expenses)."""
    hour_ids, expense_ids = [], []
    for key in keys:
        parsed = parse_approval_key(key)
        if parsed is None:
            raise ValidationError(_("The choice of hours to approve is not valid."))
        kind, project_id, employee_id, last_id = parsed
        model = TimeEntry if kind == "hours" else Expense
        ids = model.objects.filter(
            project_id=project_id, employee_id=employee_id, approved=False, pk__lte=last_id
        ).values_list("pk", flat=True)
        (hour_ids if kind == "hours" else expense_ids).extend(ids)
    hours = time_entries_approve(actor=actor, ids=hour_ids) if hour_ids else 0
    expenses = expenses_approve(actor=actor, ids=expense_ids) if expense_ids else 0
    return hours, expenses
