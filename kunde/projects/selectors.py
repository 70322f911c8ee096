from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, F, Q, Sum, When

from kunde.projects.models import CLOSED_STATUSES, Expense, Project, ProjectStatus, TimeEntry

PROJECTS_ON_PROFILE = 50


def _ore(minute_ore: int | None) -> int:
    """Sum of minutes × øre-per-hour, turned into whole øre."""
    return int((Decimal(minute_ore or 0) / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class ProjectSummary:
    project: Project
    minutes: int
    billable_minutes: int
    value_ore: int  # billable hours at their sales rates


@dataclass
class CustomerProjects:
    projects: list[ProjectSummary]
    total_count: int
    minutes: int
    value_ore: int


def customer_projects(customer, limit: int = PROJECTS_ON_PROFILE) -> CustomerProjects:
    """The customer's projects, active first, with hours and value: two queries in all."""
    billable = Q(time_entries__billable=True)
    projects = (
        Project.objects.filter(customer=customer)
        .select_related("manager")
        .annotate(
            minutes=Sum("time_entries__minutes"),
            billable_minutes=Sum("time_entries__minutes", filter=billable),
            minute_ore=Sum(
                F("time_entries__minutes") * F("time_entries__sales_rate_ore"), filter=billable
            ),
        )
        .order_by(
            # open projects before completed ones; newest first within each
            Case(When(status=ProjectStatus.COMPLETED, then=1), default=0),
            "-start_date",
            "-id",
        )
    )
    totals = TimeEntry.objects.filter(project__customer=customer).aggregate(
        total_minutes=Sum("minutes"),
        total_minute_ore=Sum(F("minutes") * F("sales_rate_ore"), filter=Q(billable=True)),
    )
    rows = [
        ProjectSummary(p, p.minutes or 0, p.billable_minutes or 0, _ore(p.minute_ore))
        for p in projects[:limit]
    ]
    return CustomerProjects(
        projects=rows,
        total_count=Project.objects.filter(customer=customer).count()
        if len(rows) == limit
        else len(rows),
        minutes=totals["total_minutes"] or 0,
        value_ore=_ore(totals["total_minute_ore"]),
    )


# The projects list, the project page and the weekly grid ----------------------------------------

PROJECTS_PER_PAGE = 50


def project_list(*, q: str = "", status: str = "", customer_id=None, manager_id=None):
    """Projects with their hours, newest first: one query per page (plus the count)."""
    projects = (
        Project.objects.select_related("customer", "manager")
        .annotate(
            minutes=Sum("time_entries__minutes"),
            open_minutes=Sum("time_entries__minutes", filter=Q(time_entries__approved=False)),
        )
        .order_by("-number")
    )
    for word in q.split()[:5]:
        match = Q(name__icontains=word) | Q(customer__name__icontains=word)
        if word.isdigit():
            match |= Q(number=int(word))
        projects = projects.filter(match)
    if status:
        projects = projects.filter(status=status)
    if customer_id:
        projects = projects.filter(customer_id=customer_id)
    if manager_id:
        projects = projects.filter(manager_id=manager_id)
    return projects


@dataclass
class ProjectTotals:
    minutes: int
    billable_minutes: int
    open_minutes: int  # not approved yet
    approved_minutes: int  # approved, not invoiced
    invoiced_minutes: int
    value_ore: int  # billable hours at their sales rates
    cost_ore: int  # all hours at their cost rates
    expenses_cost_ore: int
    expenses_sales_ore: int

    @property
    def income_ore(self) -> int:
        return self.value_ore + self.expenses_sales_ore

    @property
    def margin_ore(self) -> int:
        return self.income_ore - self.cost_ore - self.expenses_cost_ore


def project_totals(project) -> ProjectTotals:
    """Hours, value, cost and expenses of the project: two aggregate queries."""
    billable = Q(billable=True)
    hours = TimeEntry.objects.filter(project=project).aggregate(
        all_minutes=Sum("minutes"),
        billable_minutes=Sum("minutes", filter=billable),
        open_minutes=Sum("minutes", filter=Q(approved=False)),
        approved_minutes=Sum("minutes", filter=Q(approved=True, invoice_line__isnull=True)),
        invoiced_minutes=Sum("minutes", filter=Q(invoice_line__isnull=False)),
        minute_ore=Sum(F("minutes") * F("sales_rate_ore"), filter=billable),
        minute_cost=Sum(F("minutes") * F("cost_rate_ore")),
    )
    expenses = Expense.objects.filter(project=project).aggregate(
        cost=Sum("cost_ore"), sales=Sum("sales_ore", filter=Q(billable=True))
    )
    return ProjectTotals(
        minutes=hours["all_minutes"] or 0,
        billable_minutes=hours["billable_minutes"] or 0,
        open_minutes=hours["open_minutes"] or 0,
        approved_minutes=hours["approved_minutes"] or 0,
        invoiced_minutes=hours["invoiced_minutes"] or 0,
        value_ore=_ore(hours["minute_ore"]),
        cost_ore=_ore(hours["minute_cost"]),
        expenses_cost_ore=expenses["cost"] or 0,
        expenses_sales_ore=expenses["sales"] or 0,
    )


ENTRIES_ON_PAGE = 200


def project_entries(project, *, open_only: bool = False):
    entries = TimeEntry.objects.filter(project=project).select_related("employee")
    if open_only:
        entries = entries.filter(approved=False)
    return entries.order_by("-date", "-id")


def project_expenses(project):
    return (
        Expense.objects.filter(project=project)
        .select_related("employee", "receipt")
        .order_by("-date", "-id")
    )


def open_projects():
    """Projects hours can be registered on, for the weekly grid's choice."""
    return (
        Project.objects.exclude(status__in=CLOSED_STATUSES)
        .select_related("customer")
        .order_by("-number")
    )


@dataclass
class WeekRow:
    project: Project
    description: str
    billable: bool
    cells: list  # per day: {"minutes", "locked", "entries"}

    @property
    def minutes(self) -> int:
        return sum(cell["minutes"] for cell in self.cells)


def week_rows(*, employee, days) -> list[WeekRow]:
    """The employee's hours in the week, one row per project (one query)."""
    entries = (
        TimeEntry.objects.filter(employee=employee, date__range=(days[0], days[-1]))
        .select_related("project__customer")
        .order_by("project__number", "date", "id")
    )
    rows: dict[int, WeekRow] = {}
    for entry in entries:
        row = rows.get(entry.project_id)
        if row is None:
            row = rows[entry.project_id] = WeekRow(
                entry.project,
                entry.description,
                entry.billable,
                [{"minutes": 0, "locked": False, "entries": 0} for _day in days],
            )
        cell = row.cells[(entry.date - days[0]).days]
        cell["minutes"] += entry.minutes
        cell["entries"] += 1
        # A cell with approved or invoiced hours, or several entries, is read-only in the grid.
        cell["locked"] = cell["locked"] or entry.locked or cell["entries"] > 1
    return list(rows.values())
