"""Customers ranked by what they are worth in a period: invoiced, margin, profit factor, days to
pay or balance. Four grouped queries over all customers (invoices, hours from the hours summary,
expenses, payments), combined and sorted in Python, then one query for the names of the page.

The balance is the ledger's: documents issued up to the period's end less payments up to it
(open invoices less unused customer credit), in NOK.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from kunde.customers.models import Customer
from kunde.invoices.models import Invoice, InvoiceStatus
from kunde.payments.models import Payment
from kunde.projects.models import Expense
from kunde.stats import selectors, summary
from kunde.stats.periods import Period

SORTS = {
    "invoiced": _("Invoiced excl. VAT"),
    "margin": _("Contribution margin"),
    "profit_factor": _("Profit factor"),
    "days_to_pay": _("Average days to pay"),
    "balance": _("Balance"),
}


@dataclass
class Ranked:
    customer_id: int
    number: int = 0
    name: str = ""
    invoiced_ore: int = 0
    cost_ore: int = 0
    hours_invoiced_value_ore: int = 0
    hours_invoiced_cost_ore: int = 0
    paid_weight: int = 0
    paid_days_weighted: int = 0
    balance_ore: int = 0

    @property
    def margin_ore(self) -> int:
        return self.invoiced_ore - self.cost_ore

    @property
    def profit_factor(self) -> Decimal | None:
        return selectors.ratio(self.hours_invoiced_value_ore, self.hours_invoiced_cost_ore)

    @property
    def average_days_to_pay(self) -> Decimal | None:
        return selectors.ratio(self.paid_days_weighted, self.paid_weight, "0.1")


def _sort_key(sort: str):
    def key(row: Ranked):
        value = {
            "invoiced": row.invoiced_ore,
            "margin": row.margin_ore,
            "profit_factor": row.profit_factor,
            "days_to_pay": row.average_days_to_pay,
            "balance": row.balance_ore,
        }[sort]
        # Highest first; customers without the figure last; the id breaks ties.
        return (value is None, -(value or 0), row.customer_id)

    return key


def customer_ranking(
    *, period: Period, as_of: date, manager: int | None, tag: int | None, sort: str
) -> list[Ranked]:
    """Every customer with something in the period (or a balance), sorted (6 queries)."""
    scope_q = Q()
    if manager:
        scope_q &= Q(customer__account_manager_id=manager)
    if tag:
        scope_q &= Q(customer__tags=tag)
    project_q = Q()
    if manager:
        project_q &= Q(project__customer__account_manager_id=manager)
    if tag:
        project_q &= Q(project__customer__tags=tag)
    scope = selectors.Scope(0, period)
    rows: dict[int, Ranked] = {}

    def row(pk):
        return rows.setdefault(pk, Ranked(pk))

    invoiced = (
        Invoice.objects.filter(scope_q, scope.in_period("issue_date"), status=InvoiceStatus.ISSUED)
        .filter(currency=selectors.NOK)
        .order_by()
        .values("customer_id")
        .annotate(net=Sum("net_ore"))
    )
    for r in invoiced:
        row(r["customer_id"]).invoiced_ore += selectors._int(r["net"])
    hours = summary.hour_totals(
        period.start,
        period.end,
        project_q,
        customers=scope_q,
        by=("customer_id", "invoiced"),
        sums=("price_value_ore", "cost_ore"),
    )
    for r in hours:
        ranked = row(r["customer_id"])
        ranked.cost_ore += r["cost_ore"]
        if r["invoiced"]:
            ranked.hours_invoiced_value_ore += r["price_value_ore"]
            ranked.hours_invoiced_cost_ore += r["cost_ore"]
    spent = (
        Expense.objects.filter(project_q, scope.in_period("date"))
        .order_by()
        .values(customer=F("project__customer_id"))
        .annotate(cost=Sum("cost_ore"))
    )
    for r in spent:
        row(r["customer"]).cost_ore += selectors._int(r["cost"])
    paid = (
        Payment.objects.filter(
            scope_q,
            scope.in_period("date"),
            invoice__isnull=False,
            amount_ore__gt=0,
            currency=selectors.NOK,
        )
        .exclude(method__in=selectors.NOT_PAID_IN)
        .order_by()
        .values("customer_id")
        .annotate(
            weight=Sum("amount_ore"),
            days=Sum(F("amount_ore") * selectors.DaysBetween("date", "invoice__issue_date")),
        )
    )
    for r in paid:
        ranked = row(r["customer_id"])
        ranked.paid_weight += selectors._int(r["weight"])
        ranked.paid_days_weighted += selectors._int(r["days"])
    _balances(rows, row, scope_q, as_of)
    ordered = sorted(rows.values(), key=_sort_key(sort))
    return ordered


def _balances(rows, row, scope_q: Q, as_of: date) -> None:
    documents = (
        Invoice.objects.filter(
            scope_q, status=InvoiceStatus.ISSUED, issue_date__lte=as_of, currency=selectors.NOK
        )
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("total_ore"))
    )
    for r in documents:
        row(r["customer_id"]).balance_ore += selectors._int(r["total"])
    money = (
        Payment.objects.filter(
            scope_q, customer__isnull=False, date__lte=as_of, currency=selectors.NOK
        )
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount_ore"))
    )
    for r in money:
        row(r["customer_id"]).balance_ore -= selectors._int(r["total"])


def name_rows(rows: list[Ranked]) -> list[Ranked]:
    """Fill in number and name (one query)."""
    names = Customer.objects.filter(pk__in=[r.customer_id for r in rows]).values_list(
        "pk", "number", "name"
    )
    found = {pk: (number, name) for pk, number, name in names}
    for r in rows:
        r.number, r.name = found.get(r.customer_id, (0, ""))
    return rows
