"""The invoice report: a customer's invoices and credit notes (the Invoices tab) and the same
report across all customers (Finance > Invoices).

What the report shows is `ReportParams` (filters, order, page), parsed from the query string and
written back to it, plus the columns the user chose (`ReportColumns`). Everything here reads; the
only write is a user's column choice. Pages cost a fixed number of queries: one grouped aggregate
gives the count and the totals, one query the page's rows, two the payment states of the page's
invoices (kunde.payments), and one the page's deliveries when those columns are shown.
"""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from urllib.parse import urlencode

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kunde.invoices.models import (
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryResult,
    ExportStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    ReportColumns,
)
from kunde.payments.selectors import payment_states, with_open_ore
from kunde.payments.status import payment_status_text

CUSTOMER_REPORT = "customer_invoices"
FINANCE_REPORT = "invoice_report"
REPORTS = (CUSTOMER_REPORT, FINANCE_REPORT)
PER_PAGE = 50
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class ReportColumn:
    key: str
    label: str | Promise
    kind: str  # text, int, money (øre), date, datetime: as kunde.lib.table_export.Column
    order_field: str | None = None  # None: cannot be sorted (computed outside SQL)
    total: bool = False  # summed in the footer and in the downloads
    finance_only: bool = False  # only in the report across customers

    @property
    def numeric(self) -> bool:
        """Right-aligned on the page: amounts. Numbers such as the invoice number are names."""
        return self.kind == "money"


# In the order they are shown. Money columns are in the document's currency.
COLUMNS = (
    ReportColumn("number", _("No."), "int", "number"),
    ReportColumn("type", _("Type"), "text", "kind"),
    ReportColumn("date", _("Date"), "date", "issue_date"),
    ReportColumn("due_date", _("Due date"), "date", "due_date"),
    ReportColumn(
        "customer_number", _("Customer no."), "int", "customer__number", finance_only=True
    ),
    ReportColumn("customer", _("Customer"), "text", "customer__sort_name", finance_only=True),
    ReportColumn("project", _("Project"), "text", "project__number"),
    ReportColumn("net", _("Excl. VAT"), "money", "net_ore", total=True),
    ReportColumn("vat", _("VAT"), "money", "vat_ore", total=True),
    ReportColumn("total", _("Total"), "money", "total_ore", total=True),
    ReportColumn("paid", _("Paid"), "money"),
    ReportColumn("outstanding", _("Outstanding"), "money"),
    ReportColumn("payment_status", _("Payment status"), "text"),
    ReportColumn("status", _("Status"), "text", "status"),
    ReportColumn("export_status", _("Export status"), "text", "export_status"),
    ReportColumn("channel", _("Delivery channel"), "text"),
    ReportColumn("sent_at", _("Sent at"), "datetime"),
    ReportColumn("ehf_status", _("EHF status"), "text"),
    ReportColumn("kid", _("KID"), "text", "kid"),
    ReportColumn("your_reference", _("Your reference"), "text", "your_reference"),
    ReportColumn("order_reference", _("Order reference"), "text", "order_reference"),
    ReportColumn("contract_reference", _("Contract reference"), "text", "contract_reference"),
    ReportColumn("currency", _("Currency"), "text", "currency"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_COLUMNS = {
    CUSTOMER_REPORT: ("number", "type", "date", "due_date", "total", "payment_status", "status"),
    FINANCE_REPORT: ("number", "type", "date", "due_date", "customer", "total", "status"),
}
# Columns that may be empty (drafts have no number or dates): empty sorts as "newest", so drafts
# come first in the default order. Both databases walk the (customer, -issue_date, -id) index for
# `issue_date DESC NULLS FIRST, id DESC`.
NULLABLE_ORDER_FIELDS = {"number", "issue_date", "due_date", "project__number", "kid"}
DEFAULT_ORDER = "-date"

# The filter on the document's state: drafts, issued, or issued with a given export status.
STATES = {
    "draft": (_("Drafts"), Q(status=InvoiceStatus.DRAFT)),
    "issued": (_("Issued"), Q(status=InvoiceStatus.ISSUED)),
    "to_transfer": (
        _("Issued, to transfer"),
        Q(status=InvoiceStatus.ISSUED, export_status=ExportStatus.TO_TRANSFER),
    ),
    "transferred": (
        _("Issued, transferred"),
        Q(status=InvoiceStatus.ISSUED, export_status=ExportStatus.TRANSFERRED),
    ),
    "do_not_transfer": (
        _("Issued, do not transfer"),
        Q(status=InvoiceStatus.ISSUED, export_status=ExportStatus.DO_NOT_TRANSFER),
    ),
    # By payment (see PAYMENT_STATES): invoices with something left to pay, and of those the
    # ones past their due date.
    "unpaid": (_("Unpaid"), Q(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)),
    "overdue": (_("Overdue"), Q(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)),
}
PAYMENT_STATES = {"unpaid", "overdue"}
DATE_INPUT_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y")
DELIVERED = {DeliveryResult.SENT, DeliveryResult.QUEUED, DeliveryResult.PRINTED}
ROW_FIELDS = (
    "id", "kind", "status", "number", "issue_date", "due_date", "net_ore", "vat_ore", "total_ore",
    "export_status", "kid", "your_reference", "order_reference", "contract_reference", "currency",
    "project__number", "project__name", "customer__number", "customer__name",
    "ehf_delivery__status",
)  # fmt: skip


def columns_for_report(report: str) -> list[ReportColumn]:
    return [c for c in COLUMNS if report == FINANCE_REPORT or not c.finance_only]


def parse_columns(keys: Iterable, report: str) -> list[ReportColumn]:
    """The known columns among `keys`, in the report's order; unknown keys are dropped."""
    wanted = {str(key) for key in keys}
    return [column for column in columns_for_report(report) if column.key in wanted]


# Query string -----------------------------------------------------------------------------------


MAX_ID = 2**63 - 1  # larger numbers fit no database column; SQLite would raise OverflowError


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def _parse_date(value: str) -> date | None:
    for date_format in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class ReportParams:
    """What the report shows. The names in the query string differ from the customer list's
    (q, status, tag, manager, sort), which the Invoices tab carries along in `extra` so that the
    profile's Previous / Next keeps following the list the user came from."""

    report: str = CUSTOMER_REPORT
    kind: str = ""
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None
    project: int | None = None
    search: str = ""
    order: str = DEFAULT_ORDER
    page: int = 1
    extra: tuple[tuple[str, str], ...] = ()
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query, *, report: str, extra=()) -> "ReportParams":
        """Unknown values are ignored; a date that cannot be read is ignored with a message."""
        errors = []
        dates = {}
        for name, label in (("from", _("Date from")), ("to", _("Date to"))):
            raw = query.get(name, "").strip()
            dates[name] = _parse_date(raw) if raw else None
            if raw and dates[name] is None:
                errors.append(
                    _("%(field)s: “%(value)s” is not a date (dd.mm.yyyy); it is ignored.")
                    % {"field": label, "value": raw[:30]}
                )
        kind = query.get("type", "")
        state = query.get("state", "")
        order = query.get("order", DEFAULT_ORDER)
        return cls(
            report=report,
            kind=kind if kind in InvoiceKind.values else "",
            state=state if state in STATES else "",
            date_from=dates["from"],
            date_to=dates["to"],
            project=_int_or_none(query.get("project")) if report == CUSTOMER_REPORT else None,
            # PostgreSQL refuses NUL in text; nobody searches for one.
            search=query.get("search", "").replace("\x00", "").strip()[:100]
            if report == FINANCE_REPORT
            else "",
            order=order if order in order_choices(report) else DEFAULT_ORDER,
            page=max(_int_or_none(query.get("page")) or 1, 1),
            extra=tuple(extra),
            errors=tuple(errors),
        )

    def query_pairs(self, **changes) -> list[tuple[str, str]]:
        """The report's non-default parameters, without the carried-along `extra`."""
        params = replace(self, **changes)
        pairs = [
            ("type", params.kind),
            ("state", params.state),
            ("from", params.date_from.isoformat() if params.date_from else ""),
            ("to", params.date_to.isoformat() if params.date_to else ""),
            ("project", params.project or ""),
            ("search", params.search),
            ("order", "" if params.order == DEFAULT_ORDER else params.order),
            ("page", "" if params.page == 1 else params.page),
        ]
        return [(name, str(value)) for name, value in pairs if value]

    def querystring(self, **changes) -> str:
        """The state as a query string (without '?'): the list context first, then the report."""
        return urlencode([*self.extra, *self.query_pairs(**changes)])

    @property
    def is_filtered(self) -> bool:
        return bool(self.kind or self.state or self.date_from or self.date_to or self.project
                    or self.search)  # fmt: skip

    def filtered(self, customer=None) -> QuerySet:
        invoices = Invoice.objects.all()
        if customer is not None:
            invoices = invoices.filter(customer=customer)
        if self.kind:
            invoices = invoices.filter(kind=self.kind)
        if self.state:
            invoices = invoices.filter(STATES[self.state][1])
        if self.state in PAYMENT_STATES:
            # What is open comes from the payments app's one definition of it.
            invoices = with_open_ore(invoices).filter(open_ore__gt=0)
            if self.state == "overdue":
                invoices = invoices.filter(due_date__lt=timezone.localdate())
        if self.date_from:
            invoices = invoices.filter(issue_date__gte=self.date_from)
        if self.date_to:
            invoices = invoices.filter(issue_date__lte=self.date_to)
        if self.project:
            invoices = invoices.filter(project_id=self.project)
        for word in self.search.casefold().split():
            match = Q(customer__sort_name__contains=word)
            if word.isdigit() and int(word) <= MAX_ID:
                match |= Q(customer__number=int(word))
            invoices = invoices.filter(match)
        return invoices

    @property
    def order_by(self) -> list:
        descending = self.order.startswith("-")
        order_field = COLUMNS_BY_KEY[self.order.lstrip("-")].order_field
        if order_field in NULLABLE_ORDER_FIELDS:
            first = (
                F(order_field).desc(nulls_first=True)
                if descending
                else F(order_field).asc(nulls_last=True)
            )
        else:
            first = F(order_field).desc() if descending else F(order_field).asc()
        return [first, "-id" if descending else "id"]

    @property
    def order_column(self) -> str:
        return self.order.lstrip("-")

    @property
    def order_descending(self) -> bool:
        return self.order.startswith("-")

    def order_link(self, column: ReportColumn) -> str:
        """The query string that sorts by the column: ascending first, then descending."""
        new = f"-{column.key}" if self.order == column.key else column.key
        return self.querystring(order=new, page=1)


def order_choices(report: str) -> set[str]:
    keys = [c.key for c in columns_for_report(report) if c.order_field]
    return {*keys, *(f"-{key}" for key in keys)}


# Reading --------------------------------------------------------------------------------------


def payment_states_by_invoice(values: list[dict]) -> dict:
    """{invoice id: PaymentState or None} for a batch of `ROW_FIELDS` values, from the payments
    app in at most two queries; drafts and credit notes map to None."""
    invoices = [
        Invoice(pk=v["id"], status=v["status"], kind=v["kind"], total_ore=v["total_ore"],
                due_date=v["due_date"])
        for v in values
    ]  # fmt: skip
    return payment_states(invoices)


def latest_deliveries(invoice_ids: list[int]) -> dict[int, dict]:
    """The latest delivery attempt of each invoice (channel, result, finished_at): one query."""
    if not invoice_ids:
        return {}
    latest = (
        DeliveryAttempt.objects.filter(invoice_id=OuterRef("invoice_id"))
        .order_by("-started_at", "-id")
        .values("id")[:1]
    )
    attempts = DeliveryAttempt.objects.filter(
        invoice_id__in=invoice_ids, id=Subquery(latest)
    ).values("invoice_id", "channel", "result", "finished_at")
    return {attempt["invoice_id"]: attempt for attempt in attempts}


@dataclass(frozen=True)
class Totals:
    currency: str
    count: int
    net_ore: int
    vat_ore: int
    total_ore: int

    def for_column(self, key: str) -> int | None:
        return {"net": self.net_ore, "vat": self.vat_ore, "total": self.total_ore}.get(key)


def report_totals(invoices: QuerySet) -> list[Totals]:
    """Count and sums of the filtered documents per currency, in one query. Sums of the integer
    øre columns are exact on SQLite too."""
    rows = (
        invoices.order_by()
        .values("currency")
        .annotate(count=Count("*"), net=Sum("net_ore"), vat=Sum("vat_ore"), total=Sum("total_ore"))
        .order_by("currency")
    )
    return [
        Totals(row["currency"], row["count"], int(row["net"] or 0), int(row["vat"] or 0),
               int(row["total"] or 0))
        for row in rows
    ]  # fmt: skip


def _needs(columns: list[ReportColumn], *keys: str) -> bool:
    return any(column.key in keys for column in columns)


PAYMENT_COLUMNS = ("paid", "outstanding", "payment_status")


def build_rows(
    values: list[dict], columns: list[ReportColumn], *, payment_state: bool = False
) -> list[dict]:
    """Row dicts keyed by column key (plus `id`, `is_draft` and `currency`) for a batch of
    `ROW_FIELDS` values, with the batch's payment states (two queries) and deliveries (one).
    With `payment_state`, each row also carries its `payment_state` (for the page's colours)."""
    ids = [v["id"] for v in values]
    with_states = payment_state or _needs(columns, *PAYMENT_COLUMNS)
    states = payment_states_by_invoice(values) if with_states else {}
    deliveries = latest_deliveries(ids) if _needs(columns, "channel", "sent_at") else {}
    rows = []
    for v in values:
        issued = v["status"] == InvoiceStatus.ISSUED
        delivery = deliveries.get(v["id"])
        state = states.get(v["id"])
        all_values = {
            "number": v["number"],
            "type": str(InvoiceKind(v["kind"]).label),
            "date": v["issue_date"],
            "due_date": v["due_date"],
            "customer_number": v["customer__number"],
            "customer": v["customer__name"],
            "project": (
                f"{v['project__number']} {v['project__name']}" if v["project__number"] else ""
            ),
            "net": v["net_ore"],
            "vat": v["vat_ore"],
            "total": v["total_ore"],
            "paid": state.paid_ore if state else None,
            "outstanding": state.open_ore if state else None,
            "payment_status": payment_status_text(state, days=True),
            "status": str(InvoiceStatus(v["status"]).label),
            "export_status": str(ExportStatus(v["export_status"]).label),
            "channel": _channel_text(delivery),
            "sent_at": delivery["finished_at"] if delivery and delivery["result"] in DELIVERED
            else None,
            "ehf_status": _ehf_status_text(v["ehf_delivery__status"]),
            "kid": v["kid"] or "",
            "your_reference": v["your_reference"],
            "order_reference": v["order_reference"],
            "contract_reference": v["contract_reference"],
            "currency": v["currency"],
        }  # fmt: skip
        row = {column.key: all_values[column.key] for column in columns}
        row.update(id=v["id"], is_draft=not issued, currency=v["currency"])
        if payment_state:
            row.update(payment_state=state, payment_label=payment_status_text(state))
        rows.append(row)
    return rows


def _ehf_status_text(status: str | None) -> str:
    from kunde.ehf.models import EhfStatus

    return str(EhfStatus(status).label) if status else ""


def _channel_text(delivery: dict | None) -> str:
    if delivery is None:
        return ""
    channel = str(DeliveryChannel(delivery["channel"]).label)
    if delivery["result"] in DELIVERED:
        return channel
    return f"{channel} ({DeliveryResult(delivery['result']).label.lower()})"


@dataclass
class ReportPage:
    rows: list[dict]
    totals: list[Totals]
    count: int
    number: int
    num_pages: int
    start_index: int
    end_index: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def report_page(
    params: ReportParams, columns: list[ReportColumn], customer=None, per_page: int | None = None
) -> ReportPage:
    """One page of the report with the totals of everything that matches, and the payment
    state of its invoices: four queries, five when the delivery columns are shown."""
    per_page = per_page or PER_PAGE
    invoices = params.filtered(customer)
    totals = report_totals(invoices)
    count = sum(t.count for t in totals)
    num_pages = max((count + per_page - 1) // per_page, 1)
    number = min(params.page, num_pages)
    offset = (number - 1) * per_page
    values = list(
        invoices.order_by(*params.order_by).values(*ROW_FIELDS)[offset : offset + per_page]
    )
    return ReportPage(
        rows=build_rows(values, columns, payment_state=True),
        totals=totals,
        count=count,
        number=number,
        num_pages=num_pages,
        start_index=offset + 1 if count else 0,
        end_index=offset + len(values),
    )


def export_rows(params: ReportParams, columns: list[ReportColumn], customer=None) -> Iterator[dict]:
    """Every matching row in the report's order, streamed from the database in chunks; each
    chunk's payments and deliveries are fetched in one query each."""
    values = (
        params.filtered(customer)
        .order_by(*params.order_by)
        .values(*ROW_FIELDS)
        .iterator(chunk_size=EXPORT_CHUNK)
    )
    while chunk := list(itertools.islice(values, EXPORT_CHUNK)):
        yield from build_rows(chunk, columns)


# The user's column choice ---------------------------------------------------------------------


def report_columns_for(user, report: str) -> list[ReportColumn]:
    """The columns the user chose for the report, or the default set."""
    saved = ReportColumns.objects.filter(user=user, report=report).values_list("columns", flat=True)
    keys = next(iter(saved), None)
    columns = parse_columns(keys, report) if isinstance(keys, list) else []
    return columns or parse_columns(DEFAULT_COLUMNS[report], report)


def report_columns_save(*, user, report: str, keys: Iterable) -> list[ReportColumn]:
    """Keep the user's choice of columns for the report (unknown keys dropped). An empty
    choice, or the default set, removes the saved choice."""
    columns = parse_columns(keys, report)
    chosen = [column.key for column in columns]
    if not chosen or chosen == list(DEFAULT_COLUMNS[report]):
        ReportColumns.objects.filter(user=user, report=report).delete()
        return parse_columns(DEFAULT_COLUMNS[report], report)
    ReportColumns.objects.update_or_create(user=user, report=report, defaults={"columns": chosen})
    return columns
