"""The stored PDF of an issued invoice or credit note.

Issuing freezes the document (`Invoice.printable`) in its short, locked transaction and renders
nothing; `invoice_pdf_render` makes the PDF after commit (see `services.issuing`). It is the one
entry point for every later caller too: the background worker's safety net for a render that
was lost (process killed between commit and render), delivery when the PDF is not there yet, and
the PDF pages. It is idempotent and safe to run twice at once: the PDF is rendered from the frozen
document alone (reportlab's `invariant` mode: no timestamp, no random id), so every render gives
the same bytes, and the row takes the first stored file only; a second one is deleted again.
"""

import contextvars
import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction

from kunde.invoices.documents import printable_invoice
from kunde.invoices.models import Invoice, InvoiceStatus
from kunde.lib.invoice_document import PrintableInvoice, from_data
from kunde.lib.invoice_pdf import render_invoice_pdf

logger = logging.getLogger(__name__)


def issued_printable(invoice: Invoice) -> PrintableInvoice:
    """The document as it was issued. Documents issued before it was frozen on the row are
    built from their (equally frozen) parties and lines."""
    if invoice.printable:
        return from_data(invoice.printable)
    return printable_invoice(invoice)


def pdf_is_stored(invoice: Invoice) -> bool:
    """Whether an issued document's PDF is stored; False means "being prepared"."""
    return bool(invoice.pdf)


def invoice_pdf_render(invoice_id: int) -> Invoice | None:
    """Render and store the PDF of issued document `invoice_id` with its SHA-256, unless it is
    stored already. Returns the document (with its PDF), or None for a draft or no document.

    Called after the issuing transaction commits, by delivery when the PDF is missing, and by a
    background worker as a safety net; any of them may run it any number of times."""
    invoice = (
        Invoice.objects.select_related("customer", "project", "credited_invoice")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None or not invoice.is_issued:
        return None
    if invoice.pdf:
        return invoice
    content = render_invoice_pdf(issued_printable(invoice))
    sha256 = hashlib.sha256(content).hexdigest()
    field = invoice.pdf.field
    name = field.storage.save(
        field.generate_filename(invoice, f"{invoice.kind}-{invoice.number}.pdf"),
        ContentFile(content),
    )
    try:
        with transaction.atomic():
            attached = Invoice.objects.pdf_attach(invoice.pk, name=name, sha256=sha256)
    except Exception:
        field.storage.delete(name)  # never leave a file no document points at
        raise
    if not attached:
        # Another render stored it first: same bytes, so keep theirs and remove ours.
        field.storage.delete(name)
        logger.info("PDF of invoice %s was stored by another render", invoice.pk)
    invoice.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return invoice


# Ids issued while renders are deferred (`renders_deferred`); None: render right after commit.
_deferred: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "deferred_pdf_renders", default=None
)


def render_after_issue(invoice_id: int) -> None:
    """Called by issuing inside its transaction: render the PDF once it commits, or, while
    renders are deferred, note the id for the caller."""
    deferred = _deferred.get()
    if deferred is not None:
        deferred.append(invoice_id)
        return
    # robust: a failed render does not undo the issue; the PDF stays "being prepared" until the
    # next call of invoice_pdf_render (delivery, or the worker's safety net).
    transaction.on_commit(partial(invoice_pdf_render, invoice_id), robust=True)


@contextmanager
def renders_deferred() -> Iterator[list[int]]:
    """Collect the ids of documents issued in the block instead of rendering their PDFs, for
    the caller to render later (the bench, a queue): yields the list."""
    ids: list[int] = []
    token = _deferred.set(ids)
    try:
        yield ids
    finally:
        _deferred.reset(token)


# Documents whose lost render failed in this process, and when (time.monotonic()): they are
# tried again after RETRY_FAILED_SECONDS, so that a few that always fail cannot hold the scan's
# first places and keep every other lost PDF from being rendered.
_failed_renders: dict[int, float] = {}
RETRY_FAILED_SECONDS = 3600


def lost_pdfs_render(*, now=None, limit: int = 200) -> int:
    """Render the PDFs of issued documents still without one `PDF_RENDER_LOST_AFTER_SECONDS`
    after issue: their render after commit was lost (the process died, the render failed).
    A worker's housekeeping calls this; returns how many were rendered."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    before = now - timedelta(seconds=settings.PDF_RENDER_LOST_AFTER_SECONDS)
    # "No PDF" is an empty name or NULL: one query each, so each reads only its part of the
    # invoice_pdf_missing index (an OR would read every issued document).
    issued_before = Invoice.objects.filter(status=InvoiceStatus.ISSUED, issued_at__lt=before)
    clock = time.monotonic()
    for invoice_id, failed_at in list(_failed_renders.items()):
        if clock - failed_at >= RETRY_FAILED_SECONDS:
            del _failed_renders[invoice_id]
    if _failed_renders:
        issued_before = issued_before.exclude(pk__in=list(_failed_renders))
    lost = sorted(
        row
        for no_pdf in (issued_before.filter(pdf=""), issued_before.filter(pdf__isnull=True))
        for row in no_pdf.order_by("issued_at").values_list("issued_at", "pk")[:limit]
    )[:limit]
    rendered = 0
    for _issued_at, invoice_id in lost:
        try:
            if invoice_pdf_render(invoice_id) is not None:
                rendered += 1
                logger.warning("Rendered the lost PDF of invoice %s", invoice_id)
        except Exception:
            _failed_renders[invoice_id] = time.monotonic()
            logger.exception("Rendering the lost PDF of invoice %s failed", invoice_id)
    return rendered
