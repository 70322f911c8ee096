"""The invoices report as a file (XLSX or PDF of exactly the current view): made in the request
for a small view, by a worker above `DOWNLOADS_QUEUE_ABOVE_ROWS` (`kunde.jobs.downloads`)."""

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kunde.customers.models import Customer
from kunde.invoices import report
from kunde.invoices.models import InvoiceKind
from kunde.jobs.downloads import DownloadFile, counted
from kunde.lib import table_export

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Plain identifiers: a PDF would print "10 234" for an "int" column.
PDF_TEXT_KEYS = {"number", "customer_number"}


def report_file_params(*, report_key: str, query: QueryDict, columns, customer=None) -> dict:
    """What `report_file` needs, as JSON: the view's query string, its columns, its customer."""
    query = query.copy()
    fmt = query.pop("format", ["xlsx"])[-1]
    return {
        "report": report_key,
        "format": fmt,
        "query": query.urlencode(),
        "columns": [column.key for column in columns],
        "customer": customer.pk if customer is not None else None,
    }


def too_many_for_pdf_message() -> str:
    return _(
        "This view has more than %(limit)s rows, too many for a PDF. Download it as "
        "XLSX, or narrow the filters (type, status, period) first."
    ) % {"limit": table_export.PDF_MAX_ROWS}


def report_file(params: dict, report_progress) -> DownloadFile:
    """The report's file for `params` (see `report_file_params`)."""
    fmt = params["format"]
    report_key = params["report"]
    view = report.ReportParams.from_query(QueryDict(params["query"]), report=report_key)
    columns = report.parse_columns(params["columns"], report_key) or report.parse_columns(
        report.DEFAULT_COLUMNS[report_key], report_key
    )
    customer = None
    if params["customer"]:
        customer = Customer.objects.filter(pk=params["customer"]).first()
        if customer is None:
            raise ValidationError(_("No such customer."))
    language = "nb" if (get_language() or "nb").startswith("nb") else "en"
    today = timezone.localdate().isoformat()
    if customer is not None:
        title = _("Invoices: %(customer)s") % {"customer": f"{customer.number} {customer.name}"}
        filename = f"fakturaer-{customer.number}-{today}.{fmt}"
    else:
        title = _("Invoices")
        filename = f"fakturaer-{today}.{fmt}"
    options = {"title": title, "subtitle": _summary(view, customer), "language": language}
    total = view.filtered(customer).count()
    rows = counted(report.export_rows(view, columns, customer), total=total, report=report_progress)
    if fmt == "xlsx":
        content = table_export.table_xlsx(columns=_export_columns(columns), rows=rows, **options)
    else:
        try:
            content = table_export.table_pdf(
                columns=_export_columns(columns, pdf=True), rows=_pdf_rows(rows), **options
            )
        except table_export.TooManyRowsForPdf:
            raise ValidationError(too_many_for_pdf_message()) from None
    return DownloadFile(content, filename, CONTENT_TYPES[fmt])


def _export_columns(columns, pdf: bool = False) -> list[table_export.Column]:
    return [
        table_export.Column(
            key=column.key,
            label=str(column.label),
            kind="text" if pdf and column.key in PDF_TEXT_KEYS else column.kind,
            total=column.total,
        )
        for column in columns
    ]


def _pdf_rows(rows):
    for row in rows:
        for key in PDF_TEXT_KEYS & row.keys():
            row[key] = "" if row[key] is None else str(row[key])
        if "number" in row and row["is_draft"]:
            row["number"] = _("Draft")
        yield row


def _summary(params: report.ReportParams, customer) -> str:
    """The view's filters and order in words, for the downloads' subtitle."""
    parts = []
    if params.kind:
        parts.append(str(InvoiceKind(params.kind).label))
    if params.state:
        parts.append(str(report.STATES[params.state][0]))
    if params.date_from or params.date_to:
        start = date_format(params.date_from, "SHORT_DATE_FORMAT") if params.date_from else "…"
        end = date_format(params.date_to, "SHORT_DATE_FORMAT") if params.date_to else "…"
        parts.append(_("Date %(start)s – %(end)s") % {"start": start, "end": end})
    if params.project and customer is not None:
        project = customer.projects.filter(pk=params.project).first()
        if project:
            parts.append(_("Project %(project)s") % {"project": project})
    if params.search:
        parts.append(_("Customer “%(search)s”") % {"search": params.search})
    column = report.COLUMNS_BY_KEY[params.order_column]
    direction = _("descending") if params.order_descending else _("ascending")
    parts.append(_("sorted by %(column)s, %(direction)s") % {
        "column": str(column.label).lower(), "direction": direction,
    })  # fmt: skip
    if not (params.is_filtered):
        parts.insert(0, _("All invoices and credit notes"))
    return " · ".join(parts)
