"""Key statistics of a customer: what it has been invoiced, what it has paid and how fast, the
hours spent on it, what they cost and what is left as margin.

Each card is one aggregate query, filtered first (customer, period, project) and grouped by
month (or employee, project, age) so that the page's tables and charts come from the same rows;
the card's figure is the sum of its groups in Python, exact integers (øre, minutes). Every
figure is defined once, by the queryset of the rows it is made of (`figure_rows`), so the
drill-down's rows always add up to the figure shown. For the whole months of a period the
cards read sums kept up to date instead of every row: the hours summary (`stats.summary`, kept
by the services), the documents' and the payments' monthly sums (`InvoiceMonth`,
`PaymentMonth`, kept by database triggers); the days of a month cut by the period's edges come
from the rows themselves. Outstanding computes only the invoices that can be open
(`payments.models.InvoiceOpenAmount`). Tests hold each kept table equal to a rebuild, and the
figures equal to an independent computation.

Definitions (also on the page's help):
- money is NOK: documents and payments in another currency are not in the figures (the page
  lists what was invoiced in each other currency, `other_currencies`);
- invoiced: net amount (excl. VAT) of issued invoices less issued credit notes, by issue date;
- paid: money received from the customer, by payment date (write-offs are not money);
- outstanding and overdue: open amounts of issued invoices on the period's last day (today for
  a period that has not ended), as the ledger defines them (`payments.selectors.with_open_ore`);
- days to pay: payment date − invoice date of money received on invoices, weighted by amount;
  paid late: the share of that money that came after the due date;
- hours by the date worked; invoiced hours are those on an issued invoice's line, valued at that
  line's price; hours not yet invoiced are billable hours on no issued invoice, valued at the
  price a draft from hours would use (`projects.pricing.time_entry_price_ore`: the rate of
  the entry's activity, else the agreed rate on the entry's day, else the entry's own); cost is
  minutes × the cost rate on the time entry, plus expenses;
- margin = invoiced − cost; margin ratio = margin ÷ invoiced; profit factor (Moment's calculated
  one) = invoiced value of the hours ÷ the cost of the same hours.
Each value of an hour's row (minutes × rate ÷ 60) is rounded half up to whole øre, and the
figures sum the rounded rows.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    BigIntegerField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from kunde.accounts.models import User
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from kunde.offers.models import Offer, OfferStatus
from kunde.offers.selectors import remaining_by_project
from kunde.payments.models import InvoiceOpenAmount, Payment, PaymentMethod
from kunde.payments.selectors import may_be_open, with_open_ore
from kunde.projects.models import Expense, TimeEntry
from kunde.stats import summary
from kunde.stats.models import InvoiceMonth, PaymentMonth
from kunde.stats.periods import Period

# Money that is not money received: a write-off closes an invoice without a payment, and moving
# customer credit onto an invoice is two opposite rows of the same money.
NOT_RECEIVED = (PaymentMethod.WRITE_OFF,)
NOK = "NOK"
NOT_PAID_IN = (PaymentMethod.WRITE_OFF, PaymentMethod.CREDIT)
# Outstanding by age: (key, days overdue from, to) — None open.
AGE_BUCKETS = [
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
]


@dataclass(frozen=True)
class Scope:
    """One customer, a period and at most one project: what every query here is filtered by.
    `as_of` is the day open amounts are measured on."""

    customer_id: int
    period: Period
    project_id: int | None = None
    today: date | None = None

    @property
    def as_of(self) -> date:
        today = self.today or timezone.localdate()
        return min(self.period.end, today) if self.period.end else today

    def in_period(self, column: str) -> Q:
        q = Q()
        if self.period.start:
            q &= Q(**{f"{column}__gte": self.period.start})
        if self.period.end:
            q &= Q(**{f"{column}__lte": self.period.end})
        return q


# The rows of each figure -------------------------------------------------------------------


def invoices(scope: Scope, *, currency: str | None = NOK) -> QuerySet:
    """Issued invoices and credit notes dated in the period (in NOK, unless `currency` says
    otherwise; None: any currency)."""
    qs = Invoice.objects.filter(
        scope.in_period("issue_date"), customer_id=scope.customer_id, status=InvoiceStatus.ISSUED
    )
    if currency:
        qs = qs.filter(currency=currency)
    return qs.filter(project_id=scope.project_id) if scope.project_id else qs


def payments(scope: Scope) -> QuerySet:
    """Money received from the customer in the period (negative rows are money paid back)."""
    qs = Payment.objects.filter(
        scope.in_period("date"), customer_id=scope.customer_id, currency=NOK
    ).exclude(method__in=NOT_RECEIVED)
    return qs.filter(invoice__project_id=scope.project_id) if scope.project_id else qs


def open_invoices(scope: Scope) -> QuerySet:
    """Issued invoices with their open amount (`open_ore`) on `scope.as_of`: of those that can
    have something open then."""
    qs = Invoice.objects.filter(
        may_be_open(scope.customer_id, scope.as_of),
        status=InvoiceStatus.ISSUED,
        kind=InvoiceKind.INVOICE,
        issue_date__lte=scope.as_of,
        currency=NOK,
    )
    if scope.project_id:
        qs = qs.filter(project_id=scope.project_id)
    return with_open_ore(qs, as_of=scope.as_of)


def time_entries(scope: Scope) -> QuerySet:
    qs = TimeEntry.objects.filter(scope.in_period("date"), project__customer_id=scope.customer_id)
    return qs.filter(project_id=scope.project_id) if scope.project_id else qs


def expenses(scope: Scope) -> QuerySet:
    qs = Expense.objects.filter(scope.in_period("date"), project__customer_id=scope.customer_id)
    return qs.filter(project_id=scope.project_id) if scope.project_id else qs


# Offers that were sent: numbered ones (drafts and offers ready to send have no number yet).
UNSENT_OFFERS = (OfferStatus.DRAFT, OfferStatus.READY)


def offers(scope: Scope) -> QuerySet:
    """Offers sent, dated (issue date) in the period."""
    qs = Offer.objects.filter(scope.in_period("issue_date"), customer_id=scope.customer_id)
    qs = qs.exclude(status__in=UNSENT_OFFERS)
    return qs.filter(project_id=scope.project_id) if scope.project_id else qs


def _value(minutes, rate) -> ExpressionWrapper:
    """minutes × rate ÷ 60 rounded half up to whole øre, in integer SQL (exact on SQLite too)."""
    product = Cast(minutes, BigIntegerField()) * Cast(rate, BigIntegerField())
    return ExpressionWrapper((product + Value(30)) / Value(60), output_field=BigIntegerField())


COST = _value(F("minutes"), F("cost_rate_ore"))
SALES = _value(F("minutes"), F("sales_rate_ore"))
INVOICED_VALUE = _value(F("minutes"), F("invoice_line__unit_price_ore"))
ON_ISSUED = Q(invoice_line__invoice__status=InvoiceStatus.ISSUED)
UNINVOICED = Q(billable=True) & ~ON_ISSUED


class MonthStart(Func):
    """The first day of a date's month, in SQL on both databases. Django's TruncMonth is a
    Python function on SQLite, called once per row: 200,000 time entries took a second."""

    output_field = DateField()
    template = "CAST(date_trunc('month', %(expressions)s) AS date)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(substr(%(expressions)s, 1, 8) || '01')", **extra
        )


class DaysBetween(Func):
    """Whole days from the second date to the first, in SQL (Django's date difference is a
    Python function per row on SQLite)."""

    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS integer)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _overdue(as_of: date) -> Q:
    return Q(due_date__lt=as_of)


# Each drill-down: the rows and the value of a row that the figure sums.
FIGURES = {
    "invoiced": lambda s: (invoices(s), "net_ore"),
    "credited": lambda s: (invoices(s).filter(kind=InvoiceKind.CREDIT_NOTE), "net_ore"),
    "invoice_count": lambda s: (invoices(s).filter(kind=InvoiceKind.INVOICE), None),
    "paid": lambda s: (payments(s), "amount_ore"),
    "outstanding": lambda s: (open_invoices(s).filter(open_ore__gt=0), "open_ore"),
    "overdue": lambda s: (
        open_invoices(s).filter(_overdue(s.as_of), open_ore__gt=0),
        "open_ore",
    ),
    "hours_registered": lambda s: (time_entries(s), "minutes"),
    "hours_billable": lambda s: (time_entries(s).filter(billable=True), "minutes"),
    "hours_invoiced": lambda s: (time_entries(s).filter(ON_ISSUED), "minutes"),
    "hours_uninvoiced": lambda s: (time_entries(s).filter(UNINVOICED), "minutes"),
    "hours_cost": lambda s: (time_entries(s).annotate(cost_ore=COST), "cost_ore"),
    "expenses": lambda s: (expenses(s), "cost_ore"),
    "offers_sent": lambda s: (offers(s), "net_ore"),
    "offers_won": lambda s: (offers(s).filter(status=OfferStatus.ACCEPTED), "net_ore"),
}
FIGURE_KINDS = {
    "invoiced": "invoices",
    "credited": "invoices",
    "invoice_count": "invoices",
    "paid": "payments",
    "outstanding": "open_invoices",
    "overdue": "open_invoices",
    "expenses": "expenses",
    "offers_sent": "offers",
    "offers_won": "offers",
}


def figure_rows(scope: Scope, figure: str) -> tuple[QuerySet, str | None]:
    """The queryset of the rows `figure` is made of, and the field each row adds to it (None:
    the figure counts the rows). KeyError for an unknown figure."""
    return FIGURES[figure](scope)


# The cards -----------------------------------------------------------------------------------


def _int(value) -> int:
    return int(value or 0)  # PostgreSQL's SUM of bigint is numeric


def ratio(numerator: int, denominator: int, places: str = "0.01") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(
        Decimal(places), rounding=ROUND_HALF_UP
    )


@dataclass
class Month:
    month: date
    invoiced_ore: int = 0
    paid_ore: int = 0
    minutes: int = 0
    cost_ore: int = 0

    @property
    def margin_ore(self) -> int:
        return self.invoiced_ore - self.cost_ore


@dataclass
class Employee:
    pk: int
    name: str
    minutes: int = 0
    value_ore: int = 0
    cost_ore: int = 0


@dataclass
class ProjectRow:
    pk: int | None
    name: str
    invoiced_ore: int = 0
    minutes: int = 0
    hours_cost_ore: int = 0
    expenses_ore: int = 0

    @property
    def cost_ore(self) -> int:
        return self.hours_cost_ore + self.expenses_ore

    @property
    def margin_ore(self) -> int:
        return self.invoiced_ore - self.cost_ore

    @property
    def margin_ratio(self):
        return ratio(self.margin_ore * 100, self.invoiced_ore, "0.1")


@dataclass
class Statistics:
    scope: Scope
    invoiced_ore: int = 0
    credited_ore: int = 0
    invoice_count: int = 0
    paid_ore: int = 0
    outstanding_ore: int = 0
    overdue_ore: int = 0
    outstanding_by_age: dict = field(default_factory=dict)
    average_days_to_pay: Decimal | None = None
    median_days_to_pay: int | None = None
    paid_late_ratio: Decimal | None = None
    hours_registered_minutes: int = 0
    hours_billable_minutes: int = 0
    hours_invoiced_minutes: int = 0
    hours_invoiced_value_ore: int = 0
    hours_uninvoiced_minutes: int = 0
    hours_uninvoiced_value_ore: int = 0
    hours_cost_ore: int = 0
    hours_invoiced_cost_ore: int = 0
    expenses_ore: int = 0
    per_month: list[Month] = field(default_factory=list)
    employees: list[Employee] = field(default_factory=list)
    hours_by_month_and_employee: dict = field(default_factory=dict)
    per_project: list[ProjectRow] = field(default_factory=list)
    offers_sent: int = 0
    offers_sent_net_ore: int = 0
    offers_won: int = 0
    offers_won_net_ore: int = 0
    # Of the accepted offers (with a project) sent in the period: what is left to invoice on
    # their projects, as the offers tab says (`offers.selectors.remaining_by_project`).
    offers_remaining_ore: int = 0
    # {currency: net øre} invoiced in other currencies than NOK (not in the figures).
    other_currencies: dict = field(default_factory=dict)

    @property
    def cost_ore(self) -> int:
        return self.hours_cost_ore + self.expenses_ore

    @property
    def margin_ore(self) -> int:
        return self.invoiced_ore - self.cost_ore

    @property
    def margin_ratio(self) -> Decimal | None:
        """Per cent, one decimal."""
        return ratio(self.margin_ore * 100, self.invoiced_ore, "0.1")

    @property
    def revenue_per_hour_ore(self) -> int | None:
        if not self.hours_invoiced_minutes:
            return None
        return int(
            (Decimal(self.hours_invoiced_value_ore) * 60 / self.hours_invoiced_minutes).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )

    @property
    def profit_factor(self) -> Decimal | None:
        return ratio(self.hours_invoiced_value_ore, self.hours_invoiced_cost_ore)

    @property
    def hit_rate(self) -> Decimal | None:
        """Per cent of the offers sent that were won (by number), one decimal."""
        return ratio(self.offers_won * 100, self.offers_sent, "0.1")


def customer_statistics(scope: Scope, *, projects=()) -> Statistics:
    """Every figure of the tab, in 10 queries (12 when offers were won; 3 more for each edge
    of the period that cuts a month). `projects`: the customer's projects (already fetched by
    the page for its filter), to name the rows per project."""
    stats = Statistics(scope)
    months: dict[date, Month] = {}

    def month(day: date) -> Month:
        return months.setdefault(day, Month(day))

    invoiced_by_project = _invoicing(scope, stats, month)
    _payments(scope, stats, month)
    _days_to_pay(scope, stats)
    _outstanding(scope, stats)
    projects_by_pk = {p.pk: ProjectRow(p.pk, str(p)) for p in projects}
    for pk, net in invoiced_by_project.items():
        _project_row(projects_by_pk, pk).invoiced_ore += net
    _hours(scope, stats, month, projects_by_pk)
    _expenses(scope, stats, month, projects_by_pk)
    _offers(scope, stats)
    stats.per_month = [months[key] for key in sorted(months)]
    stats.per_project = [
        row
        for row in projects_by_pk.values()
        if row.invoiced_ore or row.minutes or row.expenses_ore
        if not scope.project_id or row.pk == scope.project_id
    ]
    return stats


def _invoicing(scope: Scope, stats: Statistics, month) -> dict:
    """The issued documents in every currency, by currency, kind, project and month: NOK into
    the figures, the others summed apart (`other_currencies`)."""
    by_project = defaultdict(int)
    others = defaultdict(int)
    for currency, kind, project_id, first_day, net, count in _invoice_months(scope):
        net = _int(net)
        if currency != NOK:
            others[currency] += net
            continue
        stats.invoiced_ore += net
        month(first_day).invoiced_ore += net
        by_project[project_id] += net
        if kind == InvoiceKind.CREDIT_NOTE:
            stats.credited_ore -= net
        else:
            stats.invoice_count += count
    stats.other_currencies = dict(others)
    return by_project


def _invoice_months(scope: Scope):
    """(currency, kind, project, month, net øre, documents) of the scope's issued documents."""
    months, edges = _summed_months(scope, InvoiceMonth)
    if months is not None:
        yield from months.values_list(
            "currency", "kind", "project_id", "month", "net_ore", "documents"
        )
    for edge in edges:
        yield from (
            invoices(edge, currency=None)
            .order_by()
            .values_list("currency", "kind", "project_id", MonthStart("issue_date"))
            .annotate(net=Sum("net_ore"), n=Count("id"))
        )


def _summed_months(scope: Scope, model) -> tuple[QuerySet | None, list[Scope]]:
    """The rows of a monthly summary (`InvoiceMonth`, `PaymentMonth`, kept by the database)
    for the scope's whole months (None: it has none), and the scopes of the days at its edges
    that cover part of a month, to be read from the documents or payments themselves."""
    whole, edges = summary.split_period(scope.period.start, scope.period.end)
    rows = None
    if whole is not None:
        first, last = whole
        rows = model.objects.filter(customer_id=scope.customer_id).order_by()
        if first is not None:
            rows = rows.filter(month__gte=first)
        if last is not None:
            rows = rows.filter(month__lte=last)
        if scope.project_id:
            rows = rows.filter(project_id=scope.project_id)
    return rows, [replace(scope, period=Period(start, end)) for start, end in edges]


def _offers(scope: Scope, stats: Statistics) -> None:
    won = Q(status=OfferStatus.ACCEPTED)
    rows = (
        offers(scope)
        .order_by()
        .values("project_id")
        .annotate(
            n=Count("id"),
            net=Sum("net_ore"),
            won=Count("id", filter=won),
            won_net=Sum("net_ore", filter=won),
        )
    )
    projects = []
    for row in rows:
        stats.offers_sent += row["n"]
        stats.offers_sent_net_ore += _int(row["net"])
        stats.offers_won += row["won"]
        stats.offers_won_net_ore += _int(row["won_net"])
        if row["won"] and row["project_id"]:
            projects.append(row["project_id"])
    if projects:
        stats.offers_remaining_ore = sum(remaining_by_project(projects).values())


def _payments(scope: Scope, stats: Statistics, month) -> None:
    months, edges = _summed_months(scope, PaymentMonth)
    rows = []
    if months is not None:
        received = months.filter(currency=NOK).exclude(method__in=NOT_RECEIVED)
        rows = received.values_list("month").annotate(amount=Sum("amount_ore"))
    for first_day, amount in rows:
        stats.paid_ore += _int(amount)
        month(first_day).paid_ore += _int(amount)
    for edge in edges:
        # By day: the database reads the payments in its (customer, date) index's order.
        by_day = payments(edge).order_by().values_list("date").annotate(s=Sum("amount_ore"))
        for day, amount in by_day:
            stats.paid_ore += _int(amount)
            month(day.replace(day=1)).paid_ore += _int(amount)


def _days_to_pay(scope: Scope, stats: Statistics) -> None:
    """Weighted by amount, over money received on invoices (positive rows, no credit moved)."""
    months, edges = _summed_months(scope, PaymentMonth)
    groups = defaultdict(lambda: [0, 0])  # days: [amount, of it paid late]
    if months is not None:
        rows = (
            months.filter(currency=NOK, received=True, days__isnull=False)
            .exclude(method__in=NOT_PAID_IN)
            .values_list("days", "late")
            .annotate(amount=Sum("amount_ore"))
        )
        for days, late, amount in rows:
            groups[days][0] += _int(amount)
            groups[days][1] += _int(amount) if late else 0
    for edge in edges:
        rows = (
            payments(edge)
            .filter(invoice__isnull=False, amount_ore__gt=0)
            .exclude(method__in=NOT_PAID_IN)
            .order_by()
            .values_list(DaysBetween("date", "invoice__issue_date"))
            .annotate(
                amount=Sum("amount_ore"),
                late=Coalesce(
                    Sum("amount_ore", filter=Q(date__gt=F("invoice__due_date"))),
                    0,
                    output_field=BigIntegerField(),
                ),
            )
        )
        for days, amount, late in rows:
            groups[days][0] += _int(amount)
            groups[days][1] += _int(late)
    total = sum(amount for amount, _late in groups.values())
    if not total:
        return
    weighted = sum(days * amount for days, (amount, _late) in groups.items())
    stats.average_days_to_pay = ratio(weighted, total, "0.1")
    stats.paid_late_ratio = ratio(sum(late for _a, late in groups.values()) * 100, total, "0.1")
    # Weighted median: the day by which half of the money had come.
    running = 0
    for days in sorted(groups):
        running += groups[days][0]
        if running * 2 >= total:
            stats.median_days_to_pay = days
            break


def _outstanding(scope: Scope, stats: Statistics) -> None:
    """The open invoices only (amount and due date), summed by age in Python. An aggregate of
    CASEs over `open_ore` repeats its correlated subqueries in every CASE: 3 s on PostgreSQL
    for 20,000 invoices, against about 0.1 s for this."""
    as_of = scope.as_of
    by_age = {key: 0 for key, *_ in AGE_BUCKETS}
    for open_ore, due in _open_amounts(scope):
        overdue = (as_of - due).days if due else 0
        for key, first, last in AGE_BUCKETS:
            if (first is None or overdue >= first) and (last is None or overdue <= last):
                by_age[key] += int(open_ore)
                break
    stats.outstanding_by_age = by_age
    stats.outstanding_ore = sum(by_age.values())
    stats.overdue_ore = stats.outstanding_ore - by_age["not_due"]


def _open_amounts(scope: Scope) -> list[tuple[int, date | None]]:
    """(open øre, due date) of the scope's invoices with something open on `as_of`. Those with
    nothing dated after that day are open by what `InvoiceOpenAmount` holds (everything on them
    counted is then everything up to the day); only the others are computed (`open_invoices`).
    The drill-down computes every row: the test of the figures holds the two equal."""
    as_of = scope.as_of
    unchanged = InvoiceOpenAmount.objects.filter(
        customer_id=scope.customer_id, open_ore__gt=0, last_date__lte=as_of, currency=NOK
    )
    if scope.project_id:
        unchanged = unchanged.filter(project_id=scope.project_id)
    changed = open_invoices(scope).filter(open_amount__last_date__gt=as_of)
    # Not filtered on `open_ore` in SQL: that would compute each open amount twice.
    return [
        *unchanged.order_by().values_list("open_ore", "due_date"),
        *(row for row in changed.order_by().values_list("open_ore", "due_date") if row[0] > 0),
    ]


def hour_totals(scope: Scope, by: tuple[str, ...], sums: tuple[str, ...] = ()) -> list[dict]:
    """The hours of the scope summed by `by` (`stats.summary.hour_totals`): the `sums` named,
    or all."""
    where = Q(project__customer_id=scope.customer_id)
    customers = Q(customer_id=scope.customer_id)
    if scope.project_id or "project_id" in by:
        customers = None  # only the summary per project knows the project
    if scope.project_id:
        where &= Q(project_id=scope.project_id)
    return summary.hour_totals(
        scope.period.start,
        scope.period.end,
        where,
        customers=customers,
        by=by,
        **({"sums": sums} if sums else {}),
    )


def _hours(scope: Scope, stats: Statistics, month, projects: dict) -> None:
    """The hours summary's rows of the scope, added up by month, employee and project (the
    employees' names in a second, small query)."""
    employees: dict[int, Employee] = {}
    by_month_employee = defaultdict(int)
    values = ("minutes", "sales_value_ore", "price_value_ore", "cost_ore")
    for row in hour_totals(scope, ("month", "employee_id", "billable", "invoiced"), values):
        pk, minutes, cost = row["employee_id"], row["minutes"], row["cost_ore"]
        employee = employees.setdefault(pk, Employee(pk, ""))
        employee.minutes += minutes
        employee.value_ore += row["sales_value_ore"]
        employee.cost_ore += cost
        by_month_employee[row["month"], pk] += minutes
        month(row["month"]).minutes += minutes
        month(row["month"]).cost_ore += cost
        stats.hours_registered_minutes += minutes
        stats.hours_cost_ore += cost
        if row["billable"]:
            stats.hours_billable_minutes += minutes
        if row["invoiced"]:
            stats.hours_invoiced_minutes += minutes
            stats.hours_invoiced_value_ore += row["price_value_ore"]
            stats.hours_invoiced_cost_ore += cost
        elif row["billable"]:
            stats.hours_uninvoiced_minutes += minutes
            stats.hours_uninvoiced_value_ore += row["price_value_ore"]
    for row in hour_totals(scope, ("project_id",), ("minutes", "cost_ore")):
        project = _project_row(projects, row["project_id"])
        project.minutes += row["minutes"]
        project.hours_cost_ore += row["cost_ore"]
    if employees:
        names = User.objects.filter(pk__in=employees).values_list(
            "pk", "first_name", "last_name", "username"
        )
        for pk, first, last, username in names:
            employees[pk].name = f"{first} {last}".strip() or username
    stats.employees = sorted(employees.values(), key=lambda e: (-e.minutes, e.name))
    stats.hours_by_month_and_employee = dict(by_month_employee)


def _project_row(projects: dict, pk: int | None) -> ProjectRow:
    """The row of a project (None: invoices without a project, named on the page)."""
    return projects.setdefault(pk, ProjectRow(pk, ""))


def _expenses(scope: Scope, stats: Statistics, month, projects: dict) -> None:
    rows = (
        expenses(scope)
        .order_by()
        .values("project_id", m=MonthStart("date"))
        .annotate(cost=Sum("cost_ore"))
    )
    for row in rows:
        cost = _int(row["cost"])
        stats.expenses_ore += cost
        month(row["m"]).cost_ore += cost
        _project_row(projects, row["project_id"]).expenses_ore += cost


# The change against the previous period ------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    invoiced_ore: int
    paid_ore: int
    hours_registered_minutes: int
    cost_ore: int

    @property
    def margin_ore(self) -> int:
        return self.invoiced_ore - self.cost_ore


def period_summary(scope: Scope) -> Summary:
    """The headline figures of a period, for the comparison with the previous one (4 queries,
    and 2 more for each edge of the period that cuts a month): as the cards count them."""
    stats = Statistics(scope)
    _invoicing(scope, stats, Month)  # the months are not shown
    _payments(scope, stats, Month)
    [hours] = hour_totals(scope, (), ("minutes", "cost_ore")) or [{"minutes": 0, "cost_ore": 0}]
    expense = expenses(scope).order_by().aggregate(s=Sum("cost_ore"))["s"]
    return Summary(
        stats.invoiced_ore,
        stats.paid_ore,
        hours["minutes"],
        hours["cost_ore"] + _int(expense),
    )


def change(now: int, before: int) -> Decimal | None:
    """Per cent change, one decimal; None when there was nothing before."""
    if not before:
        return None
    return ratio((now - before) * 100, abs(before), "0.1")
