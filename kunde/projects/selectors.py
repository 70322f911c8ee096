from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, F, Q, Sum, When

from kunde.projects.models import (
    CLOSED_STATUSES,
    Expense,
    Project,
    ProjectActivity,
    ProjectStatus,
    TimeEntry,
)

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
    entries = TimeEntry.objects.filter(project=project).select_related("employee", "activity")
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


def open_activities():
    """The activities of the open projects (the weekly grid offers each as a row)."""
    return ProjectActivity.objects.exclude(project__status__in=CLOSED_STATUSES).order_by(
        "project_id", "position", "id"
    )


@dataclass
class WeekRow:
    project: Project
    activity: ProjectActivity | None
    description: str
    billable: bool
    cells: list  # per day: {"minutes", "locked", "entries"}

    @property
    def minutes(self) -> int:
        return sum(cell["minutes"] for cell in self.cells)


def week_rows(*, employee, days) -> list[WeekRow]:
    """The employee's hours in the week, one row per project and activity (one query)."""
    entries = (
        TimeEntry.objects.filter(employee=employee, date__range=(days[0], days[-1]))
        .select_related("project__customer", "activity")
        .order_by("project__number", "activity__position", "activity_id", "date", "id")
    )
    rows: dict[tuple, WeekRow] = {}
    for entry in entries:
        key = (entry.project_id, entry.activity_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = WeekRow(
                entry.project,
                entry.activity,
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


# Budget vs actual per activity ------------------------------------------------------------------


@dataclass
class ActivityBudget:
    """One activity of a project (or, with `activity` None, the hours on no activity): its
    budget and what was registered, approved and invoiced of it. Values are øre at the hours'
    prices; a fixed activity's invoiced value is that of its invoiced milestones."""

    activity: ProjectActivity | None
    estimated_minutes: int = 0
    budget_ore: int = 0
    minutes: int = 0
    approved_minutes: int = 0  # approved, invoiced or not
    invoiced_minutes: int = 0
    value_ore: int = 0
    approved_ore: int = 0
    invoiced_ore: int = 0

    @property
    def remaining_minutes(self) -> int:
        """Estimated less registered; negative when the estimate is exceeded."""
        return self.estimated_minutes - self.minutes

    @property
    def remaining_ore(self) -> int:
        """What of the budget is left to invoice (never below zero)."""
        return max(0, self.budget_ore - self.invoiced_ore)


def activity_budgets(project) -> list[ActivityBudget]:
    """Budget vs actual of each of the project's activities, then of its hours on no activity
    (when there are any): three queries, however many hours."""
    billable = Q(billable=True)
    sums = {
        row["activity_id"]: row
        for row in TimeEntry.objects.filter(project=project)
        .values("activity_id")
        .annotate(
            all_minutes=Sum("minutes"),
            approved_sum=Sum("minutes", filter=Q(approved=True)),
            invoiced_sum=Sum("minutes", filter=Q(invoice_line__isnull=False)),
            value=Sum(F("minutes") * F("sales_rate_ore"), filter=billable),
            approved_value=Sum(
                F("minutes") * F("sales_rate_ore"), filter=billable & Q(approved=True)
            ),
            invoiced_value=Sum(
                F("minutes") * F("sales_rate_ore"), filter=billable & Q(invoice_line__isnull=False)
            ),
        )
        .order_by()
    }
    activities = list(project.activities.all())
    milestones_invoiced = dict(
        # Through the reverse relation: the projects app does not import offers.
        project.milestones.filter(invoice_line__isnull=False)
        .values("line_id")
        .annotate(net=Sum("net_ore"))
        .order_by()
        .values_list("line_id", "net")
    )
    budgets = []
    for activity in [*activities, None]:
        row = sums.get(activity.pk if activity else None)
        if activity is None and row is None:
            continue
        row = row or {}
        budget = ActivityBudget(
            activity=activity,
            minutes=row.get("all_minutes") or 0,
            approved_minutes=row.get("approved_sum") or 0,
            invoiced_minutes=row.get("invoiced_sum") or 0,
            value_ore=_ore(row.get("value")),
            approved_ore=_ore(row.get("approved_value")),
            invoiced_ore=_ore(row.get("invoiced_value")),
        )
        if activity is not None and activity.by_the_hour:
            budget.estimated_minutes = activity.estimated_minutes
            budget.budget_ore = _ore(activity.estimated_minutes * activity.rate_ore)
        elif activity is not None:
            budget.estimated_minutes = activity.estimated_minutes
            budget.budget_ore = activity.fixed_ore
            budget.invoiced_ore = milestones_invoiced.get(activity.offer_line_id, 0)
            budget.value_ore = budget.approved_ore = 0
        budgets.append(budget)
    return budgets


# Approvals across projects ----------------------------------------------------------------------

APPROVAL_GROUPS_PER_PAGE = 50


def _open_rows(model, actor):
    """The open entries the actor approves: finance all, a project manager their projects'."""
    rows = model.objects.filter(approved=False)
    # Finance sees all: no join with projects, the partial index alone is read.
    return rows if actor.can_manage_finance else rows.filter(project__manager_id=actor.pk)


@dataclass
class ApprovalGroup:
    """The open (unapproved) hours or expenses of one employee on one project, up to `last_id`
    (what was shown: entries added later are not approved with the group)."""

    kind: str  # "hours" or "expenses"
    project: Project
    employee: object
    count: int
    minutes: int
    amount_ore: int
    first_date: object
    last_date: object
    last_id: int

    @property
    def key(self) -> str:
        employee_id = self.employee.pk if self.employee is not None else "-"
        return f"{self.kind}:{self.project.pk}:{employee_id}:{self.last_id}"


def _open_groups(model, actor, amount):
    from django.db.models import Count, Max, Min

    return (
        _open_rows(model, actor)
        .values("project_id", "employee_id")
        .annotate(
            count=Count("id"),
            amount=amount,
            first_date=Min("date"),
            last_date=Max("date"),
            last_id=Max("id"),
        )
        .order_by("-project_id", "employee_id")
    )


def approval_groups(actor, *, kind: str):
    """The actor's open hours (kind "hours") or expenses ("expenses"), one row per project and
    employee, newest project first: one grouped query (read whole by the caller, there are
    few groups however many entries, then paged in Python), rows turned into `ApprovalGroup`s
    by `approval_rows`."""
    if kind == "hours":
        return _open_groups(TimeEntry, actor, Sum("minutes"))
    return _open_groups(Expense, actor, Sum("cost_ore"))


def approval_rows(rows, *, kind: str) -> list[ApprovalGroup]:
    """The groups of one page with their projects and employees (two queries)."""
    from kunde.accounts.models import User

    rows = list(rows)
    projects = Project.objects.select_related("customer").in_bulk(
        {row["project_id"] for row in rows}
    )
    employees = User.objects.in_bulk({row["employee_id"] for row in rows} - {None})
    return [
        ApprovalGroup(
            kind=kind,
            project=projects[row["project_id"]],
            employee=employees.get(row["employee_id"]),
            count=row["count"],
            minutes=row["amount"] if kind == "hours" else 0,
            amount_ore=row["amount"] if kind == "expenses" else 0,
            first_date=row["first_date"],
            last_date=row["last_date"],
            last_id=row["last_id"],
        )
        for row in rows
    ]


@dataclass
class BudgetTotals:
    budget_ore: int
    invoiced_ore: int
    remaining_ore: int


def budget_totals(budgets: list[ActivityBudget]) -> BudgetTotals:
    """The project's budget in all: the sums over its activities (hours on no activity have no
    budget and are left out)."""
    rows = [budget for budget in budgets if budget.activity is not None]
    return BudgetTotals(
        budget_ore=sum(b.budget_ore for b in rows),
        invoiced_ore=sum(b.invoiced_ore for b in rows),
        remaining_ore=sum(b.remaining_ore for b in rows),
    )
