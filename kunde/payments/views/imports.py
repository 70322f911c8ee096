"""Importing bank files (OCR giro, camt.054): upload, the summary, the history of imports and
their stored files.

Small files are imported in the request. A large one is imported in a background thread, so
that the browser is not left waiting: the page of that import asks for its status every second
(`import_status`, JSON) and shows the result when it is done. The thread is plain
`threading.Thread`: no task broker for something that runs a few times a month. The booking is
one transaction, so the import's row says nothing until it commits: the thread stores its
progress in the file storage (`kunde.payments.progress`), where a status request answered by any
process or app server finds it.
"""

import hashlib
import logging
import threading
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kunde.accounts.decorators import role_required
from kunde.lib.money import kroner_to_ore
from kunde.payments import selectors, services
from kunde.payments.forms import ImportForm
from kunde.payments.models import ImportStatus, PaymentImport
from kunde.payments.progress import ImportProgressReporter, import_progress_read

logger = logging.getLogger(__name__)

# Files above this size are imported in the background (an OCR file of about 1,200 payments).
BACKGROUND_ABOVE_BYTES = 200 * 1024
# How long the request waits for the background import to have its row (parsing is quick).
HANDOFF_SECONDS = 30
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
        if len(data) > BACKGROUND_ABOVE_BYTES:
            outcome = _start_in_background(request.user, data, upload.name)
            if outcome.refusal is None:
                return redirect("payments:import_detail", outcome.import_id)
            context.update(refusal=outcome.refusal, refused_import=outcome.refused_import)
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


# The background import ------------------------------------------------------------------------


class _Handoff:
    """What the background import tells the request that started it: the id of its row as soon
    as the file is stored and read, or why it was refused at once."""

    def __init__(self, digest: str):
        self.digest = digest
        self.ready = threading.Event()
        self.import_id: int | None = None
        self.refusal: str | None = None
        self.refused_import: PaymentImport | None = None


def _start_in_background(actor, data: bytes, file_name: str) -> _Handoff:
    """Start the import in a thread; return once it has its row (or was refused at once)."""
    handoff = _Handoff(hashlib.sha256(data).hexdigest())
    thread = threading.Thread(
        target=_import_in_background,
        # Messages in the language of the person importing: the thread starts without one.
        args=(handoff, actor, data, file_name, translation.get_language()),
        name="payments-import",
        daemon=True,
    )
    thread.start()
    handoff.ready.wait(HANDOFF_SECONDS)
    if handoff.refusal is None and handoff.import_id is None:
        # Still reading a very large file, or stopped by an unexpected error: the row was
        # stored first, and its page shows how it goes.
        handoff.import_id = (
            PaymentImport.objects.filter(sha256=handoff.digest).values_list("pk", flat=True).first()
        )
        if handoff.import_id is None:
            handoff.refusal = _("The import did not start; nothing booked. Try again.")
    return handoff


def _import_in_background(
    handoff: _Handoff, actor, data: bytes, file_name: str, language: str | None = None
) -> None:
    with translation.override(language):
        _import(handoff, actor, data, file_name)


def _import(handoff: _Handoff, actor, data: bytes, file_name: str) -> None:
    reporter: ImportProgressReporter | None = None

    def progress(done: int, total: int) -> None:
        nonlocal reporter
        # First called when the file is read and its row holds the number of transactions.
        if not handoff.ready.is_set():
            handoff.import_id = (
                PaymentImport.objects.filter(sha256=handoff.digest)
                .values_list("pk", flat=True)
                .first()
            )
            handoff.ready.set()
        if handoff.import_id is not None:
            if reporter is None:
                reporter = ImportProgressReporter(handoff.import_id)
            reporter(done, total)

    try:
        services.payments_import(actor=actor, data=data, file_name=file_name, progress=progress)
    except services.PaymentImportRefused as exc:
        if not handoff.ready.is_set():
            handoff.refusal = " ".join(exc.messages)
            handoff.refused_import = exc.payment_import
    except Exception:
        # The service has recorded the error on the import, whose page shows it.
        logger.exception("The background import of %s failed", file_name)
    finally:
        handoff.ready.set()
        if reporter is not None:
            reporter.clear()
        connection.close()
