"""Issuing: a draft becomes a permanent, numbered document; and the draft's preview, which goes
through the same steps without taking a number."""

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
)
from kunde.invoices.pdf import render_after_issue
from kunde.invoices.services.credit_notes import check_credit_fits, reopen_fully_credited_hours
from kunde.invoices.services.lines import (
    InvoiceStateError,
    recompute_totals,
    require_draft,
    totals_set,
)
from kunde.lib.invoice_document import to_data
from kunde.lib.invoice_pdf import render_invoice_pdf
from kunde.lib.model_rows import model_rows, row_with_related
from kunde.projects.models import TimeEntry
from kunde.stats.summary import hours_changing


def _check_issuable(invoice: Invoice) -> list[InvoiceLine]:
    """What a draft must be to be issued: lines, and a total of the right sign. Returns the
    lines (read once: the totals and the frozen document both use them)."""
    require_draft(invoice)
    lines = model_rows(InvoiceLine, invoice=invoice.pk)
    if not lines:
        raise ValidationError({"lines": _("An invoice without lines cannot be issued.")})
    totals_set(invoice, [(line.net_ore, line.vat_category, line.vat_rate) for line in lines])
    if invoice.kind == InvoiceKind.INVOICE and invoice.total_ore < 0:
        raise ValidationError(
            {"lines": _("An invoice cannot have a negative total; issue a credit note instead.")}
        )
    return lines


def _fill_parties_and_dates(invoice: Invoice, company: Company, issue_date: date) -> None:
    """The dates and the seller's and buyer's data as they are now, on the (unsaved) draft."""
    invoice.issue_date = issue_date
    invoice.due_date = issue_date + timedelta(days=invoice.credit_days)
    invoice.seller = seller_snapshot(company)
    invoice.buyer = buyer_snapshot(invoice.customer)


def _invoiced_hours_changing(invoice: Invoice):
    """Around the issue: its hours become invoiced hours in the key statistics' summary. Only a
    draft from a project's hours has hours (and a draft's project never changes), so other
    invoices issue without looking, or building the query: issuing is counted in statements
    and Python time."""
    if not invoice.project_id:
        return nullcontext()
    return hours_changing(TimeEntry.objects.filter(invoice_line__invoice=invoice))


def _kid_taken_error(kid: str) -> ValidationError:
    # A KID identifies one document. A rule changed since earlier documents were issued could
    # repeat one of theirs: refuse clearly (the number is not taken).
    return ValidationError(
        {
            "kid": _(
                "The KID %(kid)s is already used by another document: the company's KID "
                "setting does not give every invoice its own KID. Change it under Company."
            )
            % {"kid": kid}
        }
    )


# What issuing writes on the draft's row, in one guarded UPDATE.
ISSUED_FIELDS = (
    "status",
    "number",
    "issue_date",
    "due_date",
    "seller",
    "buyer",
    "kid",
    "issued_by",
    "issued_at",
    "printable",
    "net_ore",
    "vat_ore",
    "total_ore",
)


def invoice_issue(*, actor, invoice: Invoice, issue_date: date | None = None) -> Invoice:
    """Give a draft its number, dates, KID and the parties' data as they are now, freeze the
    printable document and make it permanent. Numbers have no gaps: the series row is locked and
    moved on in the same transaction, so a refused or failed issue takes no number.

    The PDF is not rendered under the lock: after commit, `invoices.pdf.invoice_pdf_render`
    renders it from the frozen document and stores it (until then the document's PDF is "being
    prepared"). A failed issue therefore never leaves a file behind."""
    tried_kid: list[str] = []
    try:
        return _issue(actor=actor, invoice_id=invoice.pk, issue_date=issue_date, kid=tried_kid)
    except IntegrityError:
        # Rolled back: no number taken. The KID's unique index is what a valid draft can hit;
        # asked here, after the fact, instead of by a query under the lock on every issue.
        if tried_kid and Invoice.objects.filter(kid=tried_kid[0]).exists():
            raise _kid_taken_error(tried_kid[0]) from None
        raise


def _issue(*, actor, invoice_id: int, issue_date: date | None, kid: list[str]) -> Invoice:
    """The locked transaction of `invoice_issue` (eight statements with BEGIN and COMMIT for an
    invoice); the KID it tries is appended to `kid`."""
    with transaction.atomic():
        invoice = row_with_related(
            Invoice, invoice_id, related=("customer", "project"), for_update=True
        )
        lines = _check_issuable(invoice)
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            # Lock the credited invoice so two credit notes cannot both take the same remainder.
            invoice.credited_invoice = Invoice.objects.select_for_update().get(
                pk=invoice.credited_invoice_id
            )
            check_credit_fits(invoice.credited_invoice, invoice)
        company = Company.load()
        _fill_parties_and_dates(invoice, company, issue_date or timezone.localdate())
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_by = actor
        invoice.issued_at = timezone.now()
        # Frozen before the number is taken: the number and KID are the only parts of the
        # document that need the series row, and they are plain fields of its data.
        document = to_data(printable_invoice(invoice, lines=lines))
        invoice.number = InvoiceSeries.number_take()  # the series row is locked from here
        invoice.kid = document_kid(
            company,
            invoice_number=invoice.number,
            customer_number=invoice.customer.number,
            credit_note=invoice.kind == InvoiceKind.CREDIT_NOTE,
        )
        if invoice.kid:
            kid.append(invoice.kid)
        invoice.printable = {**document, "number": invoice.number, "kid": invoice.kid or ""}
        with _invoiced_hours_changing(invoice):
            # Only while the row is still a draft: the last change the database lets it take.
            if not Invoice.objects.draft_issue(invoice, fields=ISSUED_FIELDS):
                raise InvoiceStateError(
                    _("%(doc)s is issued and cannot be changed; issue a credit note instead.")
                    % {"doc": invoice}
                )
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
