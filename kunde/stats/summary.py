"""The hours summary (`HoursSummary`): time entries summed per project, month, employee and
flags, kept up to date by the services that change time entries, in their transaction.

The services call one of three functions:
- `hours_added(ids)` after creating entries;
- `hours_inserted(rows)` after the CSV import's plain inserts (its rows, not ids);
- `hours_changing(entries)` around any other change (update, delete, approve, invoice issued,
  hours given back by a credit note): the entries' rows are taken out of the summary before
  and put back, as they are then, after.
`hours_repriced(customer_ids)` values again the hours not yet invoiced of those customers' projects
after their agreed rates change, `hours_moved` after a merge or its undo moves
projects between customers; `summary_rebuild` makes the tables again (`kunde stats-rebuild`:
for existing data and as a repair).

Each change is one INSERT … ON CONFLICT DO UPDATE that adds to the row, so that two
transactions changing hours of the same month do not lose each other's sums; rows that reach
zero entries are deleted."""

from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BooleanField, Case, F, Q, QuerySet, Sum, Value, When

from kunde.invoices.models import HourlyRate, InvoiceStatus
from kunde.invoices.options import RateBook
from kunde.projects.models import Project, ProjectActivity, TimeEntry
from kunde.projects.pricing import time_entry_price_ore
from kunde.stats.models import CustomerHours, HoursSummary, ProjectHours

ON_ISSUED = Q(invoice_line__invoice__status=InvoiceStatus.ISSUED)


class Fact(NamedTuple):
    """What the summary needs of one time entry."""

    project_id: int
    customer_id: int
    employee_id: int
    date: date
    minutes: int
    billable: bool
    approved: bool
    invoiced: bool
    line_price_ore: int | None
    sales_rate_ore: int
    cost_rate_ore: int
    activity_id: int | None


def value_ore(minutes: int, rate_ore: int) -> int:
    """minutes × rate ÷ 60, rounded half up to whole øre (as `selectors._value` in SQL)."""
    return (minutes * rate_ore + 30) // 60


def month_of(day: date) -> date:
    return day.replace(day=1)


class HourPrices:
    """The draft's price of hours not yet invoiced (`projects.pricing.time_entry_price_ore`),
    with each customer's agreed rates and the projects' activities loaded once."""

    def __init__(self, project_ids: Iterable[int]):
        self._activities = {
            activity.pk: activity
            for activity in ProjectActivity.objects.filter(project_id__in=set(project_ids))
        }
        self._books: dict[int, RateBook] = {}

    def price_ore(self, fact: Fact) -> int:
        book = self._books.get(fact.customer_id)
        if book is None:
            book = self._books[fact.customer_id] = RateBook(
                customer=fact.customer_id, every_project=True
            )
        # A Fact has the fields of a time entry that the rule reads.
        return time_entry_price_ore(fact, book, activities=self._activities)


# Totals of a key: entries, minutes, sales value, price value, cost.
ENTRIES, MINUTES, SALES, PRICE, COST = range(5)


def summarise(facts: list[Fact]) -> dict[tuple, list[int]]:
    """The summary rows of these entries: {(project, month, employee, billable, invoiced,
    approved): [entries, minutes, sales value, price value, cost]}. Prices and months are
    looked up once per distinct day, employee and project (an import has many entries alike)."""
    prices = HourPrices({f.project_id for f in facts if not f.invoiced})
    price_of: dict[tuple, int] = {}
    months: dict[date, date] = {}
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for f in facts:
        month = months.get(f.date)
        if month is None:
            month = months[f.date] = month_of(f.date)
        if f.invoiced:
            price = f.line_price_ore or 0
        else:
            at = (f.project_id, f.employee_id, f.date, f.sales_rate_ore, f.activity_id)
            price = price_of.get(at)
            if price is None:
                price = price_of[at] = prices.price_ore(f) or 0
        row = totals[f.project_id, month, f.employee_id, f.billable, f.invoiced, f.approved]
        minutes = f.minutes
        row[ENTRIES] += 1
        row[MINUTES] += minutes
        row[SALES] += (minutes * f.sales_rate_ore + 30) // 60
        row[PRICE] += (minutes * price + 30) // 60
        row[COST] += (minutes * f.cost_rate_ore + 30) // 60
    return dict(totals)


def facts(entries: QuerySet) -> list[Fact]:
    """The facts of the entries, as they are in the database now (one query)."""
    rows = (
        entries.order_by()
        .annotate(
            _invoiced=Case(
                When(ON_ISSUED, then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .values_list(
            "project_id",
            "project__customer_id",
            "employee_id",
            "date",
            "minutes",
            "billable",
            "approved",
            "_invoiced",
            "invoice_line__unit_price_ore",
            "sales_rate_ore",
            "cost_rate_ore",
            "activity_id",
        )
    )
    return [Fact(*row[:7], bool(row[7]), *row[8:]) for row in rows]


_KEY = ("project_id", "month", "employee_id", "billable", "invoiced", "approved")
_SUMS = ("entries", "minutes", "sales_value_ore", "price_value_ore", "cost_ore")
_CUSTOMER_KEY = ("customer_id", "month", "employee_id", "billable", "invoiced")


def _upsert(model, key: tuple[str, ...], rows: list[tuple]) -> None:
    """Add rows of (*key, *sums) to `model`'s table, in one statement per 500 rows."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = (*key, *_SUMS)
    updates = ", ".join(f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in _SUMS)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            batch = rows[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) VALUES "
                f"{', '.join([placeholders] * len(batch))} "
                f"ON CONFLICT ({', '.join(quote(c) for c in key)}) DO UPDATE SET {updates}",
                [value for row in batch for value in row],
            )


def _apply(totals: dict[tuple, list[int]], sign: int, *, per_customer: bool = True) -> None:
    """Add (sign 1) or take away (sign -1) these totals, to both tables."""
    if not totals:
        return
    adapt = connection.ops.adapt_datefield_value
    rows = [(k[0], adapt(k[1]), *k[2:], *(sign * v for v in sums)) for k, sums in totals.items()]
    _upsert(HoursSummary, _KEY, rows)
    projects = {key[0] for key in totals}
    per_month: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(_SUMS))
    for (project, month, *_flags), sums in totals.items():
        row = per_month[project, adapt(month)]
        for i, value in enumerate(sums):
            row[i] += sign * value
    _upsert(ProjectHours, ("project_id", "month"), [(*k, *v) for k, v in per_month.items()])
    if per_customer:
        customers = dict(Project.objects.filter(pk__in=projects).values_list("pk", "customer_id"))
        rollup: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(_SUMS))
        for (project, month, employee, billable, invoiced, _approved), sums in totals.items():
            row = rollup[customers[project], adapt(month), employee, billable, invoiced]
            for i, value in enumerate(sums):
                row[i] += sign * value
        _upsert(CustomerHours, _CUSTOMER_KEY, [(*k, *sums) for k, sums in rollup.items()])
        if sign < 0:
            CustomerHours.objects.filter(
                customer_id__in=set(customers.values()), entries__lte=0
            ).delete()
    if sign < 0:
        HoursSummary.objects.filter(project_id__in=projects, entries__lte=0).delete()
        ProjectHours.objects.filter(project_id__in=projects, entries__lte=0).delete()


def _projects_again(project_ids: list[int]) -> None:
    """Make the per-month rows of these projects again from `HoursSummary`."""
    ProjectHours.objects.filter(project_id__in=project_ids).delete()
    grouped = (
        HoursSummary.objects.filter(project_id__in=project_ids)
        .order_by()
        .values("project_id", "month")
        .annotate(**{name: Sum(name) for name in _SUMS})
    )
    ProjectHours.objects.bulk_create([ProjectHours(**row) for row in grouped], batch_size=2000)


def _customers_again(customer_ids: Iterable[int] | None) -> None:
    """Make the per-customer rows of these customers (None: all) again from `HoursSummary`."""
    rows = HoursSummary.objects.all()
    old = CustomerHours.objects.all()
    if customer_ids is not None:
        rows = rows.filter(project__customer_id__in=list(customer_ids))
        old = old.filter(customer_id__in=list(customer_ids))
    old.delete()
    sums = {name: Sum(name) for name in _SUMS}
    grouped = (
        rows.order_by()
        .values("project__customer_id", "month", "employee_id", "billable", "invoiced")
        .annotate(**sums)
    )
    CustomerHours.objects.bulk_create(
        [
            CustomerHours(
                customer_id=row["project__customer_id"],
                month=row["month"],
                employee_id=row["employee_id"],
                billable=row["billable"],
                invoiced=row["invoiced"],
                **{name: row[name] for name in _SUMS},
            )
            for row in grouped
        ],
        batch_size=2000,
    )


def hours_added(ids: Iterable[int]) -> None:
    """After time entries were created."""
    _apply(summarise(facts(TimeEntry.objects.filter(pk__in=list(ids)))), 1)


def hours_inserted(rows: Iterable[tuple]) -> None:
    """After the CSV import inserted new entries (not approved, not invoiced): rows of (project,
    employee, date, minutes, description, billable, approved, cost rate, sales rate, activity)."""
    rows = list(rows)
    customers = dict(
        Project.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", "customer_id")
    )
    _apply(
        summarise(
            [
                Fact(
                    project,
                    customers[project],
                    employee,
                    day,
                    minutes,
                    billable,
                    approved,
                    False,
                    None,
                    sales,
                    cost,
                    activity,
                )
                for (
                    project,
                    employee,
                    day,
                    minutes,
                    _text,
                    billable,
                    approved,
                    cost,
                    sales,
                    activity,
                ) in rows
            ]
        ),
        1,
    )


@contextmanager
def hours_changing(entries: QuerySet | Iterable[int]):
    """Around a change to these time entries (a queryset, read once before, or ids)."""
    ids = list(entries.values_list("pk", flat=True) if isinstance(entries, QuerySet) else entries)
    _apply(summarise(facts(TimeEntry.objects.filter(pk__in=ids))), -1)
    yield
    _apply(summarise(facts(TimeEntry.objects.filter(pk__in=ids))), 1)


def hours_repriced(customer_ids: Iterable[int]) -> None:
    """Value again the hours not yet invoiced on these customers' projects (after a change of
    agreed rates, or a merge)."""
    customer_ids = list(customer_ids)
    projects = list(
        Project.objects.filter(customer_id__in=list(customer_ids)).values_list("pk", flat=True)
    )
    HoursSummary.objects.filter(project_id__in=projects, invoiced=False).delete()
    entries = TimeEntry.objects.filter(project_id__in=projects).exclude(ON_ISSUED)
    _apply(summarise(facts(entries)), 1, per_customer=False)
    _projects_again(projects)
    _customers_again(customer_ids)


def hours_moved(customer_ids: Iterable[int]) -> None:
    """After a merge or its undo moved projects between these customers: their per-customer
    rows again, and, when either has agreed rates (which decide the price of hours not yet
    invoiced, and moved with the merge), their hours valued again."""
    customer_ids = list(customer_ids)
    if HourlyRate.objects.filter(customer_id__in=customer_ids).exists():
        hours_repriced(customer_ids)
    else:
        _customers_again(customer_ids)


@transaction.atomic
def summary_rebuild(*, chunk: int = 200) -> int:
    """The whole summary again from the time entries, a few projects at a time (so memory stays
    small); returns the number of rows."""
    HoursSummary.objects.all().delete()
    CustomerHours.objects.all().delete()
    ProjectHours.objects.all().delete()
    projects = list(
        TimeEntry.objects.order_by("project_id").values_list("project_id", flat=True).distinct()
    )
    for start in range(0, len(projects), chunk):
        part = projects[start : start + chunk]
        _apply(
            summarise(facts(TimeEntry.objects.filter(project_id__in=part))), 1, per_customer=False
        )
    _customers_again(None)
    return HoursSummary.objects.count()


def summary_rows() -> tuple[dict, dict, dict]:
    """The three tables as {key: sums} (for the tests)."""
    return (
        {row[:6]: row[6:] for row in HoursSummary.objects.values_list(*_KEY, *_SUMS)},
        {row[:5]: row[5:] for row in CustomerHours.objects.values_list(*_CUSTOMER_KEY, *_SUMS)},
        {
            row[:2]: row[2:]
            for row in ProjectHours.objects.values_list("project_id", "month", *_SUMS)
        },
    )


# Reading ---------------------------------------------------------------------------------------


class HourRow(NamedTuple):
    project_id: int
    customer_id: int
    month: date
    employee_id: int
    billable: bool
    invoiced: bool
    approved: bool
    entries: int
    minutes: int
    sales_value_ore: int
    price_value_ore: int
    cost_ore: int


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def split_period(start: date | None, end: date | None):
    """The whole months of the period (first and last month, None: open) and the day ranges at
    its edges that cover only part of a month."""
    edges = []
    first = start
    if start is not None and start.day != 1:
        edge_end = min(_next_month(start) - timedelta(days=1), end) if end else None
        edges.append((start, edge_end or _next_month(start) - timedelta(days=1)))
        first = _next_month(start)
    last = end
    if end is not None and (_next_month(end) - timedelta(days=1)) != end:
        edge_start = month_of(end)
        if first is None or edge_start >= first:
            edges.append((edge_start, end))
        last = edge_start - timedelta(days=1)
    whole = first is None or last is None or first <= last
    return (first, last and month_of(last)) if whole else None, edges


def hour_totals(
    start: date | None,
    end: date | None,
    where: Q | None = None,
    *,
    customers: Q | None = None,
    by: tuple[str, ...] = (),
    sums: tuple[str, ...] = _SUMS,
) -> list[dict]:
    """The hours of the days from `start` to `end` (None: open), filtered by `where` (on
    `project`, as time entries and the summary both have it), summed by the fields `by` (of
    HourRow: project_id, customer_id, month, employee_id, billable, invoiced, approved). Whole
    months come from the summary, grouped in SQL: from `CustomerHours` filtered by `customers`
    when that is given (then `where` must select the same hours), else from `HoursSummary`;
    the days of a month cut by the period's edges from the time entries themselves. Each dict
    has the `by` fields and the `sums` (all, unless fewer are asked for)."""
    where = where or Q()
    months, edges = split_period(start, end)
    totals: dict[tuple, dict] = {}

    def add(key: tuple, values) -> None:
        """Add `values` (the `sums`, in order) to the row of `key`."""
        row = totals.get(key)
        if row is None:
            row = totals[key] = {**dict(zip(by, key, strict=True)), **dict.fromkeys(sums, 0)}
        for name, value in zip(sums, values, strict=True):
            row[name] += int(value or 0)

    if months is not None:
        first, last = months
        if customers is not None:
            qs = CustomerHours.objects.filter(customers)
        elif set(by) <= {"project_id", "month"}:
            qs = ProjectHours.objects.filter(where)
        else:
            qs = HoursSummary.objects.filter(where)
        if first is not None:
            qs = qs.filter(month__gte=first)
        if last is not None:
            qs = qs.filter(month__lte=last)
        aggregates = {f"s_{name}": Sum(name) for name in sums}
        if not by:
            add((), qs.aggregate(**aggregates).values())
        else:
            keys = {
                f"k_{name}": F(
                    "project__customer_id" if name == "customer_id" and customers is None else name
                )
                for name in by
            }
            # Tuples, not dicts: a customer's tab adds up several hundred of these rows.
            rows = (
                qs.order_by().values(**keys).annotate(**aggregates).values_list(*keys, *aggregates)
            )
            for row in rows:
                add(row[: len(by)], row[len(by) :])
    for day_from, day_to in edges:
        edge = facts(TimeEntry.objects.filter(where, date__gte=day_from, date__lte=day_to))
        customer_of = {f.project_id: f.customer_id for f in edge}
        for key, values in summarise(edge).items():
            row = HourRow(key[0], customer_of[key[0]], *key[1:], *values)
            named = dict(zip(_SUMS, values, strict=True))
            add(tuple(getattr(row, n) for n in by), [named[name] for name in sums])
    return list(totals.values())
