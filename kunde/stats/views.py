"""The Key statistics tab of the customer profile, the rows behind each figure, and both as XLSX.
Figures show internal cost and margin: every role except read-only may see them."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kunde.accounts.decorators import role_required
from kunde.accounts.models import Role, User
from kunde.customers.models import Tag
from kunde.customers.views import _customer_or_404, profile_header_context
from kunde.lib.money import format_hours, format_money
from kunde.lib.table_export import table_xlsx
from kunde.projects.models import Project
from kunde.stats import charts, drill, ranking, selectors, tables, workbook
from kunde.stats.periods import StatisticsParams

ROWS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(request, customer):
    # Only what the filter and the per-project rows show (`str(project)`): a large customer has
    # 120 projects, and whole rows cost a third more to load.
    projects = list(
        Project.objects.filter(customer=customer).order_by("number").only("number", "name")
    )
    today = timezone.localdate()
    params, form = StatisticsParams.from_query(request.GET, projects=projects, today=today)
    scope = selectors.Scope(customer.pk, params.period, params.project_id, today)
    return scope, params, form, projects


@require_GET
@role_required("can_edit_customers")
def customer_statistics(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    scope, params, form, projects = _scope(request, customer)
    stats = selectors.customer_statistics(scope, projects=projects)
    previous = params.previous()
    comparison = None
    if previous is not None:
        before = selectors.period_summary(
            selectors.Scope(customer.pk, previous.period, params.project_id, scope.today)
        )
        comparison = _comparison(stats, before)
    if request.GET.get("format") == "xlsx":
        data = workbook.statistics_workbook(customer=customer, stats=stats, params=params)
        return _xlsx(data, f"statistics-{customer.number}.xlsx")
    drill_base = reverse("stats:figure", args=[customer.pk, "FIGURE"])
    return render(
        request,
        "stats/customer_statistics.html",
        {
            **profile_header_context(request, customer, "stats:customer_statistics"),
            "form": form,
            "params": params,
            "query": params.querystring(),
            "stats": stats,
            "previous": previous,
            "comparison": comparison,
            "links": {
                key: f"{drill_base.replace('FIGURE', key)}?{params.querystring()}"
                for key in selectors.FIGURES
            },
            "charts": _charts(stats),
            "ages": _ages(stats),
            "month_rows": tables.month_rows(stats.per_month),
            "project_rows": tables.project_rows(stats.per_project),
            "employee_rows": tables.employee_rows(stats.employees),
        },
    )


def _comparison(stats, before) -> list[dict]:
    rows = [
        (_("Invoiced excl. VAT"), stats.invoiced_ore, before.invoiced_ore, "money"),
        (_("Paid"), stats.paid_ore, before.paid_ore, "money"),
        (
            _("Hours registered"),
            stats.hours_registered_minutes,
            before.hours_registered_minutes,
            "hours",
        ),
        (_("Cost"), stats.cost_ore, before.cost_ore, "money"),
        (_("Contribution margin"), stats.margin_ore, before.margin_ore, "money"),
    ]
    return [
        {
            "label": label,
            "now": now,
            "before": was,
            "kind": kind,
            "change": selectors.change(now, was),
        }
        for label, now, was, kind in rows
    ]


AGE_LABELS = {
    "not_due": gettext_lazy("Not due"),
    "1_30": gettext_lazy("1–30 days overdue"),
    "31_60": gettext_lazy("31–60 days overdue"),
    "61_90": gettext_lazy("61–90 days overdue"),
    "over_90": gettext_lazy("Over 90 days overdue"),
}


def _ages(stats) -> list[tuple[str, int]]:
    return [
        (str(AGE_LABELS[key]), stats.outstanding_by_age[key]) for key, *_r in selectors.AGE_BUCKETS
    ]


def _month(day) -> str:
    return day.strftime("%m.%Y")


def _charts(stats) -> dict:
    months = stats.per_month
    invoiced_paid = charts.column_chart(
        label=_("Invoiced and paid per month"),
        series=[_("Invoiced excl. VAT"), _("Paid")],
        groups=[
            (
                _month(m.month),
                [
                    charts.Bar(m.invoiced_ore, format_money(m.invoiced_ore)),
                    charts.Bar(m.paid_ore, format_money(m.paid_ore)),
                ],
            )
            for m in months
        ],
    )
    employees = stats.employees[: len(charts.COLORS)]
    minutes = stats.hours_by_month_and_employee
    hours = charts.column_chart(
        label=_("Hours per month by employee"),
        series=[e.name for e in employees],
        stacked=True,
        groups=[
            (_month(m.month), [_hours_bar(minutes.get((m.month, e.pk), 0)) for e in employees])
            for m in months
            if m.minutes
        ],
    )
    ages = charts.bar_chart(
        label=_("Outstanding by age"),
        rows=[(label, charts.Bar(ore, format_money(ore))) for label, ore in _ages(stats)],
    )
    margin = charts.bar_chart(
        label=_("Contribution margin per project"),
        rows=[
            (p.name or _("No project"), charts.Bar(p.margin_ore, format_money(p.margin_ore)))
            for p in stats.per_project
        ],
    )
    return {"invoiced_paid": invoiced_paid, "hours": hours, "ages": ages, "margin": margin}


def _hours_bar(minutes: int) -> charts.Bar:
    return charts.Bar(minutes, format_hours(minutes))


@require_GET
@role_required("can_edit_customers")
def figure_rows(request, customer_id: int, figure: str):
    customer = _customer_or_404(customer_id)
    scope, params, form, projects = _scope(request, customer)
    try:
        rows = drill.drill(scope, figure)
    except KeyError:
        raise Http404(_("No such figure.")) from None
    if request.GET.get("format") == "xlsx":
        data = table_xlsx(
            title=f"{rows.label} · {customer.name}",
            subtitle=_period_text(params),
            columns=rows.columns,
            rows=drill.as_table_rows(rows, rows.queryset.iterator(chunk_size=2000)),
            language="nb" if get_language().startswith("nb") else "en",
        )
        return _xlsx(data, f"{figure}-{customer.number}.xlsx")
    page = Paginator(rows.queryset, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "stats/figure_rows.html",
        {
            **profile_header_context(request, customer, "stats:customer_statistics"),
            "drill": rows,
            "page": page,
            "table_rows": drill.as_table_rows(rows, page.object_list),
            "total": rows.total(),
            "params": params,
            "form": form,
            "query": params.querystring(),
            "period_text": _period_text(params),
        },
    )


def _period_text(params) -> str:
    start, end = params.period.start, params.period.end
    if start is None and end is None:
        return _("All time")
    return " – ".join(day.strftime("%d.%m.%Y") if day else "…" for day in (start, end))


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


RANKING_PAGE = 50


@require_GET
@role_required("can_edit_customers")
def customer_ranking(request):
    """Customers ranked by a figure for a period, for finance and account managers."""
    today = timezone.localdate()
    params, form = StatisticsParams.from_query(request.GET, projects=(), today=today)
    sort = request.GET.get("sort") if request.GET.get("sort") in ranking.SORTS else "invoiced"
    manager = _int_or_none(request.GET.get("manager"))
    tag = _int_or_none(request.GET.get("tag"))
    as_of = min(params.period.end, today) if params.period.end else today
    rows = ranking.customer_ranking(
        period=params.period, as_of=as_of, manager=manager, tag=tag, sort=sort
    )
    filters = {"sort": sort, "manager": manager or "", "tag": tag or ""}
    if request.GET.get("format") == "xlsx":
        ranking.name_rows(rows)
        data = table_xlsx(
            title=_("Customers ranked by %(figure)s") % {"figure": ranking.SORTS[sort]},
            subtitle=_period_text(params),
            columns=ranking_columns(),
            rows=(_ranking_row(r) for r in rows),
            language="nb" if get_language().startswith("nb") else "en",
        )
        return _xlsx(data, "customer-ranking.xlsx")
    page = Paginator(rows, RANKING_PAGE).get_page(request.GET.get("page"))
    ranking.name_rows(page.object_list)
    return render(
        request,
        "stats/customer_ranking.html",
        {
            "form": form,
            "params": params,
            "page": page,
            "sort": sort,
            "sorts": ranking.SORTS.items(),
            "manager": manager,
            "tag": tag,
            "managers": User.objects.filter(is_active=True).exclude(role=Role.READ_ONLY),
            "tags": Tag.objects.all(),
            "query": params.querystring(**filters),
        },
    )


def ranking_columns():
    from kunde.lib.table_export import Column

    return [
        Column("number", _("No."), "int"),
        Column("name", _("Customer")),
        Column("invoiced_ore", _("Invoiced excl. VAT"), "money", total=True),
        Column("cost_ore", _("Cost"), "money", total=True),
        Column("margin_ore", _("Contribution margin"), "money", total=True),
        Column("profit_factor", _("Profit factor")),
        Column("days", _("Average days to pay")),
        Column("balance_ore", _("Balance"), "money", total=True),
    ]


def _ranking_row(r) -> dict:
    return {
        "number": r.number,
        "name": r.name,
        "invoiced_ore": r.invoiced_ore,
        "cost_ore": r.cost_ore,
        "margin_ore": r.margin_ore,
        "profit_factor": "" if r.profit_factor is None else str(r.profit_factor),
        "days": "" if r.average_days_to_pay is None else str(r.average_days_to_pay),
        "balance_ore": r.balance_ore,
    }


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() and len(str(value)) < 10 else None
