"""The export to accounting: the finance page with its runs and downloads, and the export
status dialog of one customer's documents."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from kunde.accounts.decorators import role_required
from kunde.customers.models import Customer
from kunde.invoices import accounting_export
from kunde.invoices.fields import IdListField
from kunde.invoices.models import AccountingExport, ExportStatus

RUNS_PER_PAGE = 50
DOWNLOADS = {
    "csv": ("csv_file", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx_file", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


class ExportStatusForm(forms.Form):
    documents = IdListField()
    status = forms.ChoiceField(
        label=gettext_lazy("New export status"),
        choices=ExportStatus.choices,
        error_messages={
            "required": gettext_lazy("Choose the new export status."),
            "invalid_choice": gettext_lazy("Choose an export status from the list."),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def exports(request):
    if request.method == "POST":
        if accounting_export.goes_to_queue():
            job = accounting_export.accounting_export_enqueue(actor=request.user)
            return redirect("jobs:detail", job.pk)
        try:
            run = accounting_export.accounting_export_run(actor=request.user)
        except accounting_export.AccountingExportError as error:
            messages.error(request, _("Nothing was exported: %(reason)s") % {"reason": error})
            return redirect("invoices:exports")
        if run is None:
            messages.info(request, _("Nothing to transfer."))
        else:
            messages.success(
                request,
                _("Export %(run)d: %(count)d document(s) transferred to accounting.")
                % {"run": run.pk, "count": run.document_count},
            )
        return redirect("invoices:exports")
    page = Paginator(accounting_export.export_runs(), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "invoices/export/exports.html",
        {"page": page, "waiting": accounting_export.documents_to_transfer_count()},
    )


@require_http_methods(["GET"])
@role_required("can_manage_finance")
def export_download(request, export_id: int, kind: str):
    run = get_object_or_404(AccountingExport, pk=export_id)
    field, content_type = DOWNLOADS[kind]
    try:
        file = getattr(run, field).open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file of this export is missing from the file storage.")) from None
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"accounting-export-{run.pk}.{kind}",
        content_type=content_type,
    )


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def customer_export_status(request, customer_id: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    form = ExportStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = accounting_export.export_status_change(
                actor=request.user,
                customer=customer,
                document_ids=form.cleaned_data["documents"],
                status=form.cleaned_data["status"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if changed:
                label = ExportStatus(form.cleaned_data["status"]).label
                messages.success(
                    request,
                    _("Export status set to “%(status)s” on %(count)d document(s).")
                    % {"status": label, "count": len(changed)},
                )
            else:
                messages.info(request, _("Nothing changed: the documents already had that status."))
            return redirect("invoices:customer_export_status", customer.pk)
    chosen = set(form.cleaned_data.get("documents", [])) if form.is_bound else set()
    return render(
        request,
        "invoices/export/customer_status.html",
        {
            "customer": customer,
            "form": form,
            "documents": accounting_export.customer_issued_documents(customer),
            "chosen": chosen,
            "statuses": ExportStatus.choices,
            "runs": accounting_export.export_runs()[: accounting_export.RECENT_RUNS],
        },
        status=400 if form.is_bound else 200,
    )


urlpatterns = [
    path("invoices/exports/", exports, name="exports"),
    path(
        "invoices/exports/<int:export_id>/csv/",
        export_download,
        {"kind": "csv"},
        name="export_csv",
    ),
    path(
        "invoices/exports/<int:export_id>/xlsx/",
        export_download,
        {"kind": "xlsx"},
        name="export_xlsx",
    ),
    path(
        "customers/<int:customer_id>/invoices/export-status/",
        customer_export_status,
        name="customer_export_status",
    ),
]
