"""The invoice report: the customer profile's Invoices tab and Finance > Invoices, with the
column chooser and the XLSX and PDF downloads of exactly the current view."""

from dataclasses import replace
from urllib.parse import parse_qsl

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kunde.customers import selectors as customer_selectors
from kunde.customers.models import Customer
from kunde.customers.views import profile_header_context
from kunde.invoices import report
from kunde.invoices.models import InvoiceKind
from kunde.lib import table_export

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Plain identifiers: a PDF would print "10 234" for an "int" column.
PDF_TEXT_KEYS = {"number", "customer_number"}


@require_http_methods(["GET", "HEAD", "POST"])
def customer_invoices(request, customer_id: int):
    try:
        customer = customer_selectors.customer_for_profile(customer_id)
    except Customer.DoesNotExist:
        raise Http404(_("No such customer.")) from None
    if request.method == "POST":
        return _save_columns(request, report.CUSTOMER_REPORT)
    params = report.ReportParams.from_query(request.GET, report=report.CUSTOMER_REPORT)
    columns = report.report_columns_for(request.user, report.CUSTOMER_REPORT)
    if request.GET.get("format") in CONTENT_TYPES:
        return _download(request, params, columns, customer=customer)

    header = profile_header_context(request, customer, tab="invoices:customer_invoices")
    params = replace(params, extra=tuple(parse_qsl(header["list_query"])))
    page = report.report_page(params, columns, customer)
    projects = customer.projects.order_by("-number").values_list("pk", "number", "name")
    return render(
        request,
        "invoices/report/customer.html",
        {**header, **_report_context(request, params, columns, page), "projects": projects},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invoice_report(request):
    if request.method == "POST":
        return _save_columns(request, report.FINANCE_REPORT)
    params = report.ReportParams.from_query(request.GET, report=report.FINANCE_REPORT)
    columns = report.report_columns_for(request.user, report.FINANCE_REPORT)
    if request.GET.get("format") in CONTENT_TYPES:
        return _download(request, params, columns)
    page = report.report_page(params, columns)
    return render(
        request, "invoices/report/all.html", _report_context(request, params, columns, page)
    )


def _save_columns(request, report_key: str):
    if "reset" in request.POST:
        report.report_columns_save(user=request.user, report=report_key, keys=[])
    elif report.parse_columns(request.POST.getlist("columns"), report_key):
        report.report_columns_save(
            user=request.user, report=report_key, keys=request.POST.getlist("columns")
        )
    else:
        messages.error(request, _("Choose at least one column."))
    # The same view again: the form posts to the page's own URL, query string included.
    return redirect(request.get_full_path())


def _report_context(request, params: report.ReportParams, columns, page) -> dict:
    chosen = {column.key for column in columns}
    query = params.querystring(page=1)
    return {
        "params": params,
        "report": params.report,
        "query": params.querystring(),
        "download_query": f"{query}&" if query else "",
        "clear_query": replace(
            params, kind="", state="", date_from=None, date_to=None, project=None, search=""
        ).querystring(page=1),
        "previous_query": params.querystring(page=page.number - 1),
        "next_query": params.querystring(page=page.number + 1),
        "headers": [
            {
                "column": column,
                "query": params.order_link(column) if column.order_field else None,
                "sorted": (
                    ("descending" if params.order_descending else "ascending")
                    if params.order_column == column.key
                    else None
                ),
            }
            for column in columns
        ],
        "choices": [
            {"column": column, "checked": column.key in chosen}
            for column in report.columns_for_report(params.report)
        ],
        "page": page,
        "rows": [
            {**row, "cells": [(column, row[column.key]) for column in columns]} for row in page.rows
        ],
        "footers": [_footer(totals, columns) for totals in page.totals],
        "kinds": InvoiceKind.choices,
        "states": [(value, label) for value, (label, _q) in report.STATES.items()],
        "can_manage_finance": request.user.can_manage_finance,
    }


def _footer(totals: report.Totals, columns) -> dict:
    """The totals row: a label over the columns before the first amount, then the amounts."""
    cells = [(column, totals.for_column(column.key)) for column in columns]
    lead = next((i for i, (_column, value) in enumerate(cells) if value is not None), len(cells))
    return {"totals": totals, "label_span": lead, "cells": cells[lead:]}


# Downloads ------------------------------------------------------------------------------------


def _download(request, params: report.ReportParams, columns, *, customer=None):
    fmt = request.GET["format"]
    language = "nb" if (get_language() or "nb").startswith("nb") else "en"
    today = timezone.localdate().isoformat()
    if customer is not None:
        title = _("Invoices: %(customer)s") % {"customer": f"{customer.number} {customer.name}"}
        filename = f"fakturaer-{customer.number}-{today}.{fmt}"
    else:
        title = _("Invoices")
        filename = f"fakturaer-{today}.{fmt}"
    options = {"title": title, "subtitle": _summary(params, customer), "language": language}
    rows = report.export_rows(params, columns, customer)
    if fmt == "xlsx":
        content = table_export.table_xlsx(columns=_export_columns(columns), rows=rows, **options)
    else:
        try:
            content = table_export.table_pdf(
                columns=_export_columns(columns, pdf=True), rows=_pdf_rows(rows), **options
            )
        except table_export.TooManyRowsForPdf:
            messages.error(
                request,
                _(
                    "This view has more than %(limit)s rows, too many for a PDF. Download it as "
                    "XLSX, or narrow the filters (type, status, period) first."
                )
                % {"limit": table_export.PDF_MAX_ROWS},
            )
            query = request.GET.copy()
            query.pop("format")
            return redirect(f"{request.path}?{query.urlencode()}")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


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


urlpatterns = [
    path("invoices/", invoice_report, name="invoice_report"),
    path("customers/<int:customer_id>/invoices/", customer_invoices, name="customer_invoices"),
]
