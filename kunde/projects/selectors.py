from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, F, Q, Sum, When

from kunde.projects.models import Project, ProjectStatus, TimeEntry

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
