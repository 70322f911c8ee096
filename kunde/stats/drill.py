"""The rows behind each figure, as the drill-down page and its XLSX show them: columns and row
dicts for `lib.table_export`. The figure is the sum of the column `value` says (or the number
of rows), over exactly the queryset the figure is computed from."""

from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.lib.table_export import Column
from kunde.stats import selectors

LABELS = {
    "invoiced": gettext_lazy("Invoiced excl. VAT"),
    "credited": gettext_lazy("Credited"),
    "invoice_count": gettext_lazy("Invoices"),
    "paid": gettext_lazy("Paid"),
    "outstanding": gettext_lazy("Outstanding"),
    "overdue": gettext_lazy("Overdue"),
    "hours_registered": gettext_lazy("Hours registered"),
    "hours_billable": gettext_lazy("Billable hours"),
    "hours_invoiced": gettext_lazy("Hours invoiced"),
    "hours_uninvoiced": gettext_lazy("Hours not yet invoiced"),
    "hours_cost": gettext_lazy("Cost of hours"),
    "expenses": gettext_lazy("Expenses"),
    "offers_sent": gettext_lazy("Offers sent"),
    "offers_won": gettext_lazy("Offers won"),
}


def _columns(kind: str) -> list[Column]:
    if kind == "invoices":
        return [
            Column("number", _("Number"), "int"),
            Column("kind", _("Type")),
            Column("issue_date", _("Invoice date"), "date"),
            Column("due_date", _("Due date"), "date"),
            Column("project_name", _("Project")),
            Column("net_ore", _("Amount excl. VAT"), "money", total=True),
        ]
    if kind == "payments":
        return [
            Column("date", _("Payment date"), "date"),
            Column("invoice_number", _("Invoice"), "int"),
            Column("method", _("Method")),
            Column("payer_name", _("Payer")),
            Column("amount_ore", _("Amount"), "money", total=True),
        ]
    if kind == "open_invoices":
        return [
            Column("number", _("Number"), "int"),
            Column("issue_date", _("Invoice date"), "date"),
            Column("due_date", _("Due date"), "date"),
            Column("total_ore", _("Total incl. VAT"), "money", total=True),
            Column("open_ore", _("Open"), "money", total=True),
        ]
    if kind == "offers":
        return [
            Column("number", _("Number"), "int"),
            Column("name", _("Offer")),
            Column("issue_date", _("Date"), "date"),
            Column("status", _("Status")),
            Column("net_ore", _("Amount excl. VAT"), "money", total=True),
        ]
    if kind == "expenses":
        return [
            Column("date", _("Date"), "date"),
            Column("project_name", _("Project")),
            Column("description", _("Description")),
            Column("cost_ore", _("Cost"), "money", total=True),
            Column("sales_ore", _("Price to customer"), "money", total=True),
        ]
    return [
        Column("date", _("Date"), "date"),
        Column("employee", _("Employee")),
        Column("project_name", _("Project")),
        Column("description", _("Description")),
        Column("minutes", _("Hours"), "hours", total=True),
        Column("value_ore", _("Value at price"), "money", total=True),
        Column("cost_ore", _("Cost"), "money", total=True),
    ]


@dataclass
class Drill:
    figure: str
    kind: str
    queryset: QuerySet  # of row dicts, ordered
    value: str | None  # the column the figure sums; None: the figure counts the rows
    columns: list[Column]

    @property
    def label(self):
        return LABELS[self.figure]

    def total(self) -> int:
        """The figure, from the rows' own queryset (one query)."""
        if self.value is None:
            return self.queryset.count()
        return int(self.queryset.order_by().aggregate(s=Sum(self.value))["s"] or 0)


def drill(scope: selectors.Scope, figure: str) -> Drill:
    """KeyError for an unknown figure."""
    qs, value = selectors.figure_rows(scope, figure)
    kind = selectors.FIGURE_KINDS.get(figure, "time_entries")
    if kind in ("invoices", "open_invoices"):
        fields = ["pk", "number", "kind", "issue_date", "due_date", "net_ore", "total_ore"]
        extra = ["open_ore"] if kind == "open_invoices" else []
        rows = qs.annotate(project_name=F("project__name")).values(*fields, *extra, "project_name")
        rows = rows.order_by("issue_date", "number")
    elif kind == "payments":
        rows = qs.annotate(invoice_number=F("invoice__number")).values(
            "pk", "date", "invoice_number", "method", "payer_name", "amount_ore"
        )
        rows = rows.order_by("date", "pk")
    elif kind == "offers":
        rows = qs.values("pk", "number", "name", "issue_date", "status", "net_ore")
        rows = rows.order_by("issue_date", "pk")
    elif kind == "expenses":
        rows = qs.annotate(project_name=F("project__name")).values(
            "pk", "date", "project_name", "description", "cost_ore", "sales_ore"
        )
        rows = rows.order_by("date", "pk")
    else:
        if figure != "hours_cost":
            qs = qs.annotate(cost_ore=selectors.COST)
        rows = qs.annotate(
            project_name=F("project__name"),
            employee_first=F("employee__first_name"),
            employee_last=F("employee__last_name"),
            value_ore=selectors.SALES,
        ).values(
            "pk",
            "date",
            "employee_first",
            "employee_last",
            "project_name",
            "description",
            "minutes",
            "value_ore",
            "cost_ore",
        )
        rows = rows.order_by("date", "pk")
    return Drill(figure, kind, rows, value, _columns(kind))


def as_table_rows(drill: Drill, rows) -> list[dict]:
    """Row dicts as `table_export` and the page read them."""
    out = []
    for row in rows:
        row = dict(row)
        if "employee_first" in row:
            row["employee"] = f"{row.pop('employee_first')} {row.pop('employee_last')}".strip()
        for key in ("net_ore", "total_ore", "open_ore", "amount_ore", "cost_ore", "value_ore"):
            if key in row and row[key] is not None:
                row[key] = int(row[key])
        out.append(row)
    return out
