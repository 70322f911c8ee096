"""Importing bank files (OCR giro, camt.054): upload, the summary, the history of imports and
their stored files.

Small files are imported in the request. A large one is stored and booked by a worker of the
task queue (`kunde.payments.import_jobs`), so that the browser is not left waiting: the page of
that import asks for its status every second (`import_status`, JSON) and shows the result when it
is done. The booking is one transaction, so the import's row says nothing until it commits: the
worker stores its progress in the file storage (`kunde.payments.progress`), where a status
request answered by any process or app server finds it.
"""

import logging
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kunde.accounts.decorators import role_required
from kunde.jobs.services import job_check
from kunde.lib.money import kroner_to_ore
from kunde.payments import import_jobs, selectors, services
from kunde.payments.forms import ImportForm
from kunde.payments.models import ImportStatus, PaymentImport
from kunde.payments.progress import import_progress_read

logger = logging.getLogger(__name__)

HISTORY_LENGTH = 30

# Summary counts shown per import, in this order.
SUMMARY_COUNTS = (
    ("transactions", gettext_lazy("Transactions")),
    ("matched", gettext_lazy("Paid in full by KID")),
    ("partial", gettext_lazy("Partly paid by KID")),
    ("over", gettext_lazy("Overpaid (excess to the customer's credit)")),
    ("reversals", gettext_lazy("Reversals")),
    ("unmatched", gettext_lazy("Unmatched")),
    ("duplicates", gettext_lazy("Duplicates (booked before)")),
    ("skipped", gettext_lazy("Not booked")),
)


def _import_or_404(import_id: int) -> PaymentImport:
    try:
        return selectors.payment_imports().get(pk=import_id)
    except PaymentImport.DoesNotExist:
        raise Http404(_("No such import.")) from None


@require_http_methods(["GET", "POST"])
@role_required("can_manage_finance")
def import_upload(request):
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        if import_jobs.goes_to_queue(len(data)):
            try:
                record, _job = import_jobs.payment_import_enqueue(
                    actor=request.user, data=data, file_name=upload.name
                )
            except services.PaymentImportRefused as exc:
                context.update(refusal=" ".join(exc.messages), refused_import=exc.payment_import)
            else:
                return redirect("payments:import_detail", record.pk)
        else:
            try:
                record = services.payments_import(
                    actor=request.user, data=data, file_name=upload.name
                )
            except services.PaymentImportRefused as exc:
                context.update(refusal=" ".join(exc.messages), refused_import=exc.payment_import)
            else:
                return redirect("payments:import_detail", record.pk)
    context["imports"] = _history()
    # Like the other refusals of a request (invoices' "Not done" page): 400, with the reason.
    status = 400 if context.get("refusal") else 200
    return render(request, "payments/import.html", context, status=status)


def _history() -> list[PaymentImport]:
    return list(selectors.payment_imports()[:HISTORY_LENGTH])


@require_GET
@role_required("can_manage_finance")
def import_detail(request, import_id: int):
    record = _import_or_404(import_id)
    summary = record.summary or {}
    return render(
        request,
        "payments/import_detail.html",
        {
            "record": record,
            "counts": [(key, str(label), summary.get(key, 0)) for key, label in SUMMARY_COUNTS],
            # The summary holds amounts as decimal strings in kroner.
            "total_ore": _ore(summary.get("total")),
            "booked_total_ore": _ore(summary.get("booked_total")),
            "imports": _history(),
        },
    )


def _ore(kroner: str | None) -> int:
    try:
        return kroner_to_ore(Decimal(kroner or "0"))
    except InvalidOperation:
        return 0


@require_GET
@role_required("can_manage_finance")
def import_status(request, import_id: int):
    """The state of an import, for the page that waits for it. While the import runs, its row
    shows no progress until the booking commits, so the progress its thread stores
    (`kunde.payments.progress`) counts too, whichever process or app server runs it."""
    record = _import_or_404(import_id)
    if record.status == ImportStatus.RUNNING:
        # A worker that died is found here at once, whichever process answers: its job is
        # queued again (or, out of attempts, the import refused and the file freed).
        job = import_jobs.payment_import_job(record)
        if job is not None:
            job_check(job)
            record.refresh_from_db()
    progress = record.progress
    if record.status == ImportStatus.RUNNING:
        live = import_progress_read(record.pk)
        if live is not None:
            progress = max(progress, live.done)
    return JsonResponse(
        {
            "id": record.pk,
            "status": record.status,
            "done": record.status != ImportStatus.RUNNING,
            "progress": progress,
            "total": record.total,
            "error": record.error,
            "url": reverse("payments:import_detail", args=[record.pk]),
        }
    )


@require_GET
@role_required("can_manage_finance")
def import_file(request, import_id: int):
    """The file as it was uploaded, byte for byte."""
    record = _import_or_404(import_id)
    try:
        handle = record.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The stored file of this import is missing.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=record.file_name or f"import-{record.pk}",
        content_type="application/octet-stream",
    )


@require_POST
@role_required("can_edit_company")
def import_release(request, import_id: int):
    """An administrator frees an import left running by a process that died."""
    record = _import_or_404(import_id)
    try:
        import_jobs.payment_import_release(actor=request.user, record=record)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The import was released; nothing was booked."))
    return redirect("payments:import_detail", record.pk)
