"""Key statistics of a customer: the figures of the profile's tab, computed by the same selectors
(`kunde.stats.selectors`). Money in øre, time in minutes, ratios as decimals."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Schema

from kunde.api.api import api
from kunde.api.common import MAX_INT, IsoDate, QuerySchema, page_of
from kunde.customers.models import Customer
from kunde.projects.models import Project
from kunde.stats import ranking, selectors
from kunde.stats.periods import Period

_DETAIL = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}


class PeriodQuery(QuerySchema):
    from_: IsoDate | None = Field(None, alias="from", description="First day (YYYY-MM-DD).")
    to: IsoDate | None = Field(None, description="Last day (YYYY-MM-DD), included.")


class StatisticsQuery(PeriodQuery):
    project: int | None = Field(None, description="Only this project of the customer.")


class MonthOut(Schema):
    month: dt.date = Field(description="The first day of the month.")
    invoiced_ore: int
    paid_ore: int
    hours_minutes: int
    cost_ore: int
    margin_ore: int


class ProjectFiguresOut(Schema):
    project: int | None = Field(description="None: invoices without a project.")
    name: str
    invoiced_ore: int
    hours_minutes: int
    cost_ore: int
    margin_ore: int


class EmployeeOut(Schema):
    employee: int
    name: str
    hours_minutes: int
    value_ore: int = Field(description="The hours at the time entries' prices.")
    cost_ore: int


class StatisticsOut(Schema):
    customer: int
    from_: dt.date | None = Field(alias="from")
    to: dt.date | None
    project: int | None
    invoiced_ore: int = Field(description="Invoices less credit notes, excl. VAT.")
    credited_ore: int
    invoice_count: int
    paid_ore: int
    outstanding_ore: int = Field(description="Open on the period's last day (or today).")
    overdue_ore: int
    average_days_to_pay: Decimal | None = Field(description="Weighted by amount.")
    median_days_to_pay: int | None = Field(description="Weighted by amount.")
    paid_late_percent: Decimal | None
    hours_registered_minutes: int
    hours_billable_minutes: int
    hours_invoiced_minutes: int
    hours_invoiced_value_ore: int
    hours_uninvoiced_minutes: int
    hours_uninvoiced_value_ore: int
    revenue_per_hour_ore: int | None
    hours_cost_ore: int
    expenses_ore: int
    cost_ore: int
    margin_ore: int
    margin_percent: Decimal | None
    profit_factor: Decimal | None
    offers_sent: int
    offers_sent_net_ore: int
    offers_won: int
    offers_won_net_ore: int
    hit_rate_percent: Decimal | None
    offers_remaining_ore: int = Field(description="Left to invoice on accepted offers' projects.")
    per_month: list[MonthOut]
    per_project: list[ProjectFiguresOut]
    employees: list[EmployeeOut]


@api.get(
    "/customers/{customer_id}/statistics",
    response=StatisticsOut,
    by_alias=True,
    tags=["statistics"],
    url_name="customer_statistics",
    description="Every figure of the customer's Key statistics tab for the period (all time "
    "without `from` and `to`) and optionally one project. Read-only users get 403.",
    openapi_extra={
        "responses": {
            403: {
                "description": "The role may not see statistics.",
                "content": {"application/json": {"schema": _DETAIL}},
            }
        }
    },
)
def customer_statistics(request, customer_id: int, query: Query[StatisticsQuery]):
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may not see statistics.")
    customer = get_object_or_404(Customer, pk=customer_id)
    if query.from_ and query.to and query.from_ > query.to:
        raise ValidationError({"from": ["The period must start before it ends."]})
    projects = list(Project.objects.filter(customer=customer))
    if query.project is not None and query.project not in {p.pk for p in projects}:
        raise ValidationError(
            {"project": [f"The customer has no project with id {query.project}."]}
        )
    scope = selectors.Scope(
        customer.pk, Period(query.from_, query.to), query.project, timezone.localdate()
    )
    stats = selectors.customer_statistics(scope, projects=projects)
    return {
        "customer": customer.pk,
        "from": query.from_,
        "to": query.to,
        "project": query.project,
        "invoiced_ore": stats.invoiced_ore,
        "credited_ore": stats.credited_ore,
        "invoice_count": stats.invoice_count,
        "paid_ore": stats.paid_ore,
        "outstanding_ore": stats.outstanding_ore,
        "overdue_ore": stats.overdue_ore,
        "average_days_to_pay": stats.average_days_to_pay,
        "median_days_to_pay": stats.median_days_to_pay,
        "paid_late_percent": stats.paid_late_ratio,
        "hours_registered_minutes": stats.hours_registered_minutes,
        "hours_billable_minutes": stats.hours_billable_minutes,
        "hours_invoiced_minutes": stats.hours_invoiced_minutes,
        "hours_invoiced_value_ore": stats.hours_invoiced_value_ore,
        "hours_uninvoiced_minutes": stats.hours_uninvoiced_minutes,
        "hours_uninvoiced_value_ore": stats.hours_uninvoiced_value_ore,
        "revenue_per_hour_ore": stats.revenue_per_hour_ore,
        "hours_cost_ore": stats.hours_cost_ore,
        "expenses_ore": stats.expenses_ore,
        "cost_ore": stats.cost_ore,
        "margin_ore": stats.margin_ore,
        "margin_percent": stats.margin_ratio,
        "profit_factor": stats.profit_factor,
        "offers_sent": stats.offers_sent,
        "offers_sent_net_ore": stats.offers_sent_net_ore,
        "offers_won": stats.offers_won,
        "offers_won_net_ore": stats.offers_won_net_ore,
        "hit_rate_percent": stats.hit_rate,
        "offers_remaining_ore": stats.offers_remaining_ore,
        "per_month": [
            {
                "month": m.month,
                "invoiced_ore": m.invoiced_ore,
                "paid_ore": m.paid_ore,
                "hours_minutes": m.minutes,
                "cost_ore": m.cost_ore,
                "margin_ore": m.margin_ore,
            }
            for m in stats.per_month
        ],
        "per_project": [
            {
                "project": p.pk,
                "name": p.name,
                "invoiced_ore": p.invoiced_ore,
                "hours_minutes": p.minutes,
                "cost_ore": p.cost_ore,
                "margin_ore": p.margin_ore,
            }
            for p in stats.per_project
        ],
        "employees": [
            {
                "employee": e.pk,
                "name": e.name,
                "hours_minutes": e.minutes,
                "value_ore": e.value_ore,
                "cost_ore": e.cost_ore,
            }
            for e in stats.employees
        ],
    }


class RankingQuery(PeriodQuery):
    sort: Literal["invoiced", "margin", "profit_factor", "days_to_pay", "balance"] = "invoiced"
    manager: int | None = Field(None, ge=1, le=MAX_INT, description="Account manager's user id.")
    tag: int | None = Field(None, ge=1, le=MAX_INT, description="Tag id.")
    page: int = Field(1, ge=1, le=MAX_INT)
    page_size: int = Field(50, ge=1, le=500)


class RankedOut(Schema):
    customer: int
    number: int
    name: str
    invoiced_ore: int
    cost_ore: int
    margin_ore: int
    profit_factor: Decimal | None
    average_days_to_pay: Decimal | None
    balance_ore: int = Field(description="Issued documents less payments up to the period's end.")


class RankingOut(Schema):
    count: int
    page: int
    pages: int
    results: list[RankedOut]


@api.get(
    "/statistics/customers",
    response=RankingOut,
    tags=["statistics"],
    url_name="customer_ranking",
    description="Customers ranked by a figure for the period (all time without `from` and `to`), "
    "highest first. Read-only users get 403.",
    openapi_extra={
        "responses": {
            403: {
                "description": "The role may not see statistics.",
                "content": {"application/json": {"schema": _DETAIL}},
            }
        }
    },
)
def customer_ranking(request, query: Query[RankingQuery]):
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may not see statistics.")
    if query.from_ and query.to and query.from_ > query.to:
        raise ValidationError({"from": ["The period must start before it ends."]})
    today = timezone.localdate()
    rows = ranking.customer_ranking(
        period=Period(query.from_, query.to),
        as_of=min(query.to, today) if query.to else today,
        manager=query.manager,
        tag=query.tag,
        sort=query.sort,
    )

    def results(items):
        return [
            {
                "customer": r.customer_id,
                "number": r.number,
                "name": r.name,
                "invoiced_ore": r.invoiced_ore,
                "cost_ore": r.cost_ore,
                "margin_ore": r.margin_ore,
                "profit_factor": r.profit_factor,
                "average_days_to_pay": r.average_days_to_pay,
                "balance_ore": r.balance_ore,
            }
            for r in ranking.name_rows(items)
        ]

    return page_of(rows, page=query.page, page_size=query.page_size, results=results)
