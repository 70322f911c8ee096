"""Issuing: a draft becomes a permanent, numbered document; and the draft's preview, which goes
through the same steps without taking a number."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.kid import document_kid
from kunde.company.models import Company
from kunde.invoices import delivery
from kunde.invoices.documents import buyer_snapshot, printable_invoice, seller_snapshot
from kunde.invoices.models import (
    DeliveryAttempt,
    Invoice,
    InvoiceKind,
    InvoiceSeries,
    InvoiceStatus,
)
from kunde.invoices.pdf import render_after_issue
from kunde.invoices.services.credit_notes import check_credit_fits, reopen_fully_credited_hours
from kunde.invoices.services.lines import recompute_totals, require_draft
from kunde.lib.invoice_document import to_data
from kunde.lib.invoice_pdf import render_invoice_pdf
from kunde.projects.models import TimeEntry
from kunde.stats.summary import hours_changing


def _check_issuable(invoice: Invoice) -> None:
    """What a draft must be to be issued: lines, and a total of the right sign."""
    require_draft(invoice)
    if not invoice.lines.exists():
        raise ValidationError({"lines": _("An invoice without lines cannot be issued.")})
    recompute_totals(invoice)
    if invoice.kind == InvoiceKind.INVOICE and invoice.total_ore < 0:
        raise ValidationError(
            {"lines": _("An invoice cannot have a negative total; issue a credit note instead.")}
        )


def _fill_parties_and_dates(invoice: Invoice, company: Company, issue_date: date) -> None:
    """The dates and the seller's and buyer's data as they are now, on the (unsaved) draft."""
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=invoice.credit_days)
    invoice.seller = seller_snapshot(company)
    invoice.buyer = buyer_snapshot(invoice.customer)


def _kid(company: Company, invoice: Invoice) -> str | None:
    kid = document_kid(
        company,
        invoice_number=invoice.number,
        customer_number=invoice.customer.number,
        credit_note=invoice.kind == InvoiceKind.CREDIT_NOTE,
    )
    # A KID identifies one document. A rule changed since earlier documents were issued could
    # repeat one of theirs: refuse clearly (the number is not taken) rather than fail on the
    # database's unique index.
    if kid and Invoice.objects.filter(kid=kid).exists():
        raise ValidationError(
            {
                "kid": _(
                    "The KID %(kid)s is already used by another document: the company's KID "
                    "setting does not give every invoice its own KID. Change it under Company."
                )
                % {"kid": kid}
            }
        )
    return kid


def invoice_issue(*, actor, invoice: Invoice, issue_date: date | None = None) -> Invoice:
    """Give a draft its number, dates, KID and the parties' data as they are now, freeze the
    printable document and make it permanent. Numbers have no gaps: the series row is locked and
    moved on in the same transaction, so a refused or failed issue takes no number.

    The PDF is not rendered under the lock: after commit, `invoices.pdf.invoice_pdf_render`
    renders it from the frozen document and stores it (until then the document's PDF is "being
    prepared"). A failed issue therefore never leaves a file behind."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "project", "credited_invoice")
            .get(pk=invoice.pk)
        )
        _check_issuable(invoice)
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            # Lock the credited invoice so two credit notes cannot both take the same remainder.
            Invoice.objects.select_for_update().filter(pk=invoice.credited_invoice_id).first()
            check_credit_fits(invoice.credited_invoice, invoice)
        company = Company.load()
        series, _created = InvoiceSeries.objects.select_for_update().get_or_create(pk=1)
        invoice.number = series.next_number
        _fill_parties_and_dates(invoice, company, issue_date or timezone.localdate())
        invoice.kid = _kid(company, invoice)
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_by = actor
        invoice.issued_at = timezone.now()
        invoice.printable = to_data(printable_invoice(invoice))
        # The row is still a draft in the database, so this save is allowed; the next is not.
        # Its hours become invoiced hours in the key statistics' summary.
        with hours_changing(TimeEntry.objects.filter(invoice_line__invoice=invoice)):
            invoice.save()
        series.next_number += 1
        series.save(update_fields=["next_number"])
        if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.reopen_hours:
            reopen_fully_credited_hours(invoice.credited_invoice)
        log_activity(
            customer=invoice.customer,
            actor=actor,
            action=f"{invoice.kind}.issued",
            params={
                "doc": invoice.activity_ref(),
                "issue_date": invoice.issue_date,
                "total_ore": invoice.total_ore,
            },
            on=invoice.issue_date if invoice.issue_date != timezone.localdate() else None,
        )
        render_after_issue(invoice.pk)  # after commit, not under the lock
    return invoice


def invoice_preview_pdf(*, invoice: Invoice) -> bytes:
    """The PDF a draft would get if issued today: the same checks, totals, parties and document
    as `invoice_issue`, without a number or KID. Nothing is saved. A draft that cannot be
    issued yet (no lines, say) still has its preview."""
    require_draft(invoice)
    recompute_totals(invoice)
    _fill_parties_and_dates(invoice, Company.load(), timezone.localdate())
    return render_invoice_pdf(printable_invoice(invoice))


@dataclass(frozen=True)
class IssuedAndSent:
    """What "issue and send" did: the document is issued whatever happened to the sending."""

    invoice: Invoice
    attempt: DeliveryAttempt | None  # None when the sending was refused
    not_sent: str = ""  # why it was not sent (no address, …)


def invoice_issue_and_send(
    *, actor, invoice: Invoice, issue_date: date | None = None
) -> IssuedAndSent:
    """Issue the draft, then deliver it the customer's way (`delivery.invoice_send`). The issue
    commits first: a mail server must never be called inside it, and a refused or failed
    delivery does not undo it (it shows in the document's delivery log). Delivery waits for the
    PDF: it renders it first if it is not stored yet."""
    issued = invoice_issue(actor=actor, invoice=invoice, issue_date=issue_date)
    try:
        attempt = delivery.invoice_send(actor=actor, invoice=issued)
    except ValidationError as exc:
        return IssuedAndSent(issued, None, " ".join(exc.messages))
    return IssuedAndSent(issued, attempt)
