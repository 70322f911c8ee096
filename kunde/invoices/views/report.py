"""The invoice report: the customer profile's Invoices tab and Finance > Invoices, with the
column chooser and the XLSX and PDF downloads of exactly the current view."""

from dataclasses import replace
from urllib.parse import parse_qsl

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kunde.customers import selectors as customer_selectors
from kunde.customers.models import Customer
from kunde.customers.views import profile_header_context
from kunde.invoices import report, report_files
from kunde.invoices.models import InvoiceKind
from kunde.jobs import downloads
from kunde.jobs.views import file_response
from kunde.lib import table_export

CONTENT_TYPES = report_files.CONTENT_TYPES


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
    """The file of the current view: made here for a small view; above the threshold a worker
    makes it and the user watches its progress page."""
    file_params = report_files.report_file_params(
        report_key=params.report, query=request.GET, columns=columns, customer=customer
    )
    count = params.filtered(customer).count()
    if file_params["format"] == "pdf" and count > table_export.PDF_MAX_ROWS:
        return _refused(request, report_files.too_many_for_pdf_message())
    if downloads.goes_to_queue(count):
        query = request.GET.copy()
        query.pop("format")
        job = downloads.download_enqueue(
            actor=request.user,
            builder="invoices.report",
            params=file_params,
            customer=customer,
            back=f"{request.path}?{query.urlencode()}" if query else request.path,
        )
        return redirect("jobs:detail", job.pk)
    try:
        made = downloads.build("invoices.report", file_params)
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages))
    return file_response(made)


def _refused(request, message: str):
    messages.error(request, message)
    query = request.GET.copy()
    query.pop("format")
    return redirect(f"{request.path}?{query.urlencode()}")


urlpatterns = [
    path("invoices/", invoice_report, name="invoice_report"),
    path("customers/<int:customer_id>/invoices/", customer_invoices, name="customer_invoices"),
]
