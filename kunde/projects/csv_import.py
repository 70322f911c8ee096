"""Time entries from a CSV file (another time-tracking tool's export): checked whole first,
every bad row named, and imported all together or not at all.

The file has a header row with exactly these columns, in any order (comma or semicolon):
date, employee, project, hours (or minutes), description, billable, and optionally activity.
`employee` is a user name or e-mail address, `project` a project number, `date` YYYY-MM-DD or
DD.MM.YYYY, `hours` as 1.5, 1,5 or 1:30, `billable` yes/no (empty is yes), `activity` the name
of one of the project's activities (empty: none)."""

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from kunde.accounts.models import User
from kunde.activity.services import activity_entry, log_activities
from kunde.lib.duration import parse_minutes
from kunde.projects.models import Project, ProjectActivity, TimeEntry
from kunde.projects.services import (
    DAY_MINUTES,
    CostRates,
    hours_text,
    may_register_for,
    sales_rate_ore,
    today,
)
from kunde.stats import summary as stats_summary

REQUIRED = {"date", "employee", "project", "description", "billable"}
DURATION = ("hours", "minutes")
OPTIONAL = {"activity"}
MAX_ERRORS = 200
PREVIEW_ROWS = 50
_YES = {"", "yes", "y", "ja", "j", "true", "1", "x"}
_NO = {"no", "n", "nei", "false", "0"}


@dataclass
class Row:
    line: int
    date: dt.date
    employee: User
    project: Project
    minutes: int
    description: str
    billable: bool
    activity: ProjectActivity | None = None


@dataclass
class ImportResult:
    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message); 0: the file
    error_count: int = 0
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    def per_project(self) -> list[tuple[Project, int, int]]:
        """(project, rows, minutes) in project number order."""
        totals: dict[Project, list[int]] = defaultdict(lambda: [0, 0])
        for row in self.rows:
            totals[row.project][0] += 1
            totals[row.project][1] += row.minutes
        return sorted(((p, n, m) for p, (n, m) in totals.items()), key=lambda t: t[0].number)

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line, message))


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV UTF-8.")) from None


def _date(text: str) -> dt.date:
    text = text.strip()
    for form in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ValidationError(
        _("“%(text)s” is not a date (YYYY-MM-DD or DD.MM.YYYY).") % {"text": text}
    )


def _reader(text: str):
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _header(names: list[str]) -> dict[str, int]:
    columns = [name.strip().lower() for name in names]
    durations = [name for name in DURATION if name in columns]
    allowed = REQUIRED | set(DURATION) | OPTIONAL
    unknown = [name for name in columns if name not in allowed]
    missing = sorted(REQUIRED - set(columns))
    if unknown or missing or len(durations) != 1 or len(set(columns)) != len(columns):
        problems = []
        if unknown:
            problems.append(_("unknown column(s): %(names)s") % {"names": ", ".join(unknown)})
        if missing:
            problems.append(_("missing column(s): %(names)s") % {"names": ", ".join(missing)})
        if len(durations) != 1:
            problems.append(_("give either hours or minutes"))
        if len(set(columns)) != len(columns):
            problems.append(_("a column appears twice"))
        raise ValidationError(
            _("The header row is not right: %(problems)s. The columns are %(columns)s.")
            % {
                "problems": "; ".join(problems),
                "columns": "date, employee, project, hours, description, billable "
                + _("(and optionally activity)"),
            }
        )
    return {name: index for index, name in enumerate(columns)}


def parse(data: bytes, *, actor, check_days: bool = True) -> ImportResult:
    """Every row checked against the rules of time_entry_create, plus the 24 hours of a day
    across the file and what is registered already."""
    result = ImportResult()
    try:
        reader = _reader(_text(data))
        header = next(reader, None)
        if header is None:
            raise ValidationError(_("The file is empty."))
        columns = _header(header)
    except (ValidationError, csv.Error) as error:
        message = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        result.error(0, message)
        return result

    duration = "hours" if "hours" in columns else "minutes"
    raw = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            raw.append((reader.line_num, values))
    except csv.Error as error:
        result.error(reader.line_num, str(error))
        return result
    if not raw:
        result.error(0, _("The file has no rows to import."))
        return result

    people = _people(
        {
            values[columns["employee"]].strip().lower()
            for _l, values in raw
            if len(values) == len(columns)
        }
    )
    numbers = set()
    for _line, values in raw:
        number = values[columns["project"]].strip() if len(values) == len(columns) else ""
        if number.isdigit() and len(number) < 10:
            numbers.add(int(number))
    projects = {
        p.number: p for p in Project.objects.filter(number__in=numbers).select_related("customer")
    }
    activities = {}
    if "activity" in columns:
        activities = {
            (a.project_id, a.name.lower()): a
            for a in ProjectActivity.objects.filter(project__in=list(projects.values()))
        }
    last_day = today()
    for line, values in raw:
        if len(values) != len(columns):
            result.error(
                line,
                _("The row has %(found)s values, not %(expected)s.")
                % {"found": len(values), "expected": len(columns)},
            )
            continue
        problems = []
        try:
            day = _date(values[columns["date"]])
            if day > last_day:
                problems.append(_("Hours cannot be registered in the future."))
        except ValidationError as error:
            day = None
            problems.extend(error.messages)
        who = values[columns["employee"]].strip()
        employee = people.get(who.lower())
        if employee is None:
            problems.append(_("Unknown employee “%(name)s”.") % {"name": who})
        number = values[columns["project"]].strip()
        project = projects.get(int(number)) if number.isdigit() and len(number) < 10 else None
        if project is None:
            problems.append(_("Unknown project “%(number)s”.") % {"number": number})
        elif project.is_closed:
            problems.append(_("Project %(project)s is closed.") % {"project": project})
        activity = None
        activity_name = values[columns["activity"]].strip() if "activity" in columns else ""
        if activity_name and project is not None:
            activity = activities.get((project.pk, activity_name.lower()))
            if activity is None:
                problems.append(
                    _("Project %(project)s has no activity “%(name)s”.")
                    % {"project": project, "name": activity_name}
                )
        try:
            amount = values[columns[duration]].strip()
            minutes = parse_minutes(amount + "m" if duration == "minutes" else amount)
            if minutes <= 0:
                problems.append(_("Enter a time of more than zero minutes."))
            elif minutes > DAY_MINUTES:
                problems.append(_("A day has no more than 24 hours."))
        except ValidationError as error:
            minutes = 0
            problems.extend(error.messages)
        billable_text = values[columns["billable"]].strip().lower()
        if billable_text not in _YES | _NO:
            problems.append(
                _("“%(text)s” is not yes or no (billable).") % {"text": values[columns["billable"]]}
            )
        description = values[columns["description"]].strip()
        if len(description) > 300:
            problems.append(_("The description is longer than 300 characters."))
        if "\x00" in description:
            problems.append(_("The description holds a NUL character."))
        if (
            employee is not None
            and project is not None
            and not may_register_for(actor, employee, project)
        ):
            problems.append(
                _("You may not register hours for %(employee)s on %(project)s.")
                % {"employee": employee, "project": project}
            )
        if problems:
            result.error(line, " ".join(problems))
            continue
        result.rows.append(
            Row(
                line,
                day,
                employee,
                project,
                minutes,
                description,
                billable_text in _YES,
                activity,
            )
        )
    if check_days:
        _check_days(result)
    return result


def _people(keys: set[str]) -> dict[str, User]:
    found = {}
    users = User.objects.filter(is_active=True).filter(
        Q(username__in=keys) | Q(email__in=[k for k in keys if "@" in k])
    )
    for user in users:
        found[user.username.lower()] = user
        if user.email:
            found.setdefault(user.email.lower(), user)
    return found


def _check_days(result: ImportResult) -> None:
    """No employee above 24 hours on a day, counting what is registered already."""
    if not result.rows:
        return
    days: dict[tuple[int, dt.date], int] = defaultdict(int)
    first = min(row.date for row in result.rows)
    last = max(row.date for row in result.rows)
    registered = (
        TimeEntry.objects.filter(
            employee_id__in={row.employee.pk for row in result.rows}, date__range=(first, last)
        )
        .values_list("employee_id", "date")
        .annotate(total=Sum("minutes"))
    )
    for employee_id, day, total in registered:
        days[(employee_id, day)] = total
    refused = []
    for row in result.rows:
        key = (row.employee.pk, row.date)
        days[key] += row.minutes
        if days[key] > DAY_MINUTES:
            refused.append(row)
            result.error(
                row.line,
                _("%(employee)s would have more than 24 hours on %(date)s.")
                % {"employee": row.employee, "date": row.date.isoformat()},
            )
    if refused:
        result.errors.sort()


@transaction.atomic
def time_entries_import(*, actor, data: bytes, dry_run: bool = False) -> ImportResult:
    """Check the whole file; unless dry_run or any row is bad, register every row in one
    transaction. The employees' rows are locked first, so the 24-hour rule holds against
    registrations at the same moment."""
    if not actor.can_edit_customers:
        raise PermissionDenied(_("Your role may not import hours."))
    result = parse(data, actor=actor, check_days=False)
    if not dry_run:
        # Lock everyone the file names before counting their days.
        ids = sorted({row.employee.pk for row in result.rows})
        list(User.objects.select_for_update().filter(pk__in=ids).values("pk"))
    _check_days(result)
    if dry_run or not result.ok:
        return result
    costs = CostRates({row.employee.pk for row in result.rows})
    books = {}
    values = []
    for row in result.rows:
        if row.project.pk not in books:
            from kunde.invoices.options import RateBook

            books[row.project.pk] = RateBook(customer=row.project.customer, project=row.project)
        values.append(
            (
                row.project.pk,
                row.employee.pk,
                row.date,
                row.minutes,
                row.description,
                row.billable,
                False,
                costs.on(row.employee.pk, row.date),
                sales_rate_ore(
                    row.project,
                    row.employee.pk,
                    row.date,
                    books[row.project.pk],
                    activity=row.activity,
                ),
                row.activity.pk if row.activity is not None else None,
            )
        )
    _insert(values)
    stats_summary.hours_inserted(values)
    log_activities(
        [
            activity_entry(
                customer=project.customer,
                actor=actor,
                action="hours.imported",
                params={"count": count, "hours": hours_text(minutes), "project": str(project)},
            )
            for project, count, minutes in result.per_project()
        ]
    )
    result.imported = len(values)
    return result


_COLUMNS = (
    "project",
    "employee",
    "date",
    "minutes",
    "description",
    "billable",
    "approved",
    "cost_rate_ore",
    "sales_rate_ore",
    "activity",
)


def _insert(values: list[tuple], batch: int = 5000) -> None:
    """Many time entries in plain multi-row inserts: for 100,000 rows, building and compiling
    a model instance per row costs several times the insert itself. The values are already
    checked (full rules above); every other column has a database-side null."""
    meta = TimeEntry._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in _COLUMNS)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    )
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(values), batch):
            cursor.executemany(
                sql,
                [(*row[:2], adapt(row[2]), *row[3:]) for row in values[start : start + batch]],
            )
