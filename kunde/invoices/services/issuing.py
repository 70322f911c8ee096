"""Issuing: a draft becomes a permanent, numbered document."""

import hashlib
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.kid import document_kid
from kunde.company.models import Company
from kunde.invoices.documents import buyer_snapshot, printable_invoice, seller_snapshot
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceSeries, InvoiceStatus
from kunde.invoices.services.credit_notes import check_credit_fits, reopen_fully_credited_hours
from kunde.invoices.services.lines import recompute_totals, require_draft
from kunde.lib.invoice_pdf import render_invoice_pdf


def invoice_issue(*, actor, invoice: Invoice, issue_date: date | None = None) -> Invoice:
    """Give a draft its number, dates, KID and the parties' data as they are now, store its
    PDF, and make it permanent. Numbers have no gaps: the series row is locked and moved on in
    the same transaction, so a refused or failed issue takes no number."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "project", "credited_invoice")
            .get(pk=invoice.pk)
        )
        require_draft(invoice)
        if not invoice.lines.exists():
            raise ValidationError({"lines": _("An invoice without lines cannot be issued.")})
        recompute_totals(invoice)
        if invoice.kind == InvoiceKind.INVOICE and invoice.total_ore < 0:
            raise ValidationError(
                {
                    "lines": _(
                        "An invoice cannot have a negative total; issue a credit note instead."
                    )
                }
            )
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            # Lock the credited invoice so two credit notes cannot both take the same remainder.
            Invoice.objects.select_for_update().filter(pk=invoice.credited_invoice_id).first()
            check_credit_fits(invoice.credited_invoice, invoice)
        series, _created = InvoiceSeries.objects.select_for_update().get_or_create(pk=1)
        company = Company.load()
        invoice.number = series.next_number
        invoice.issue_date = issue_date or timezone.localdate()
        invoice.due_date = invoice.issue_date + timedelta(days=invoice.credit_days)
        invoice.kid = document_kid(
            company,
            invoice_number=invoice.number,
            customer_number=invoice.customer.number,
            credit_note=invoice.kind == InvoiceKind.CREDIT_NOTE,
        )
        invoice.seller = seller_snapshot(company)
        invoice.buyer = buyer_snapshot(invoice.customer)
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_by = actor
        invoice.issued_at = timezone.now()
        pdf = render_invoice_pdf(printable_invoice(invoice))
        invoice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        invoice.pdf.save(f"{invoice.kind}-{invoice.number}.pdf", ContentFile(pdf), save=False)
        # The row is still a draft in the database, so this save is allowed; the next is not.
        invoice.save()
        series.next_number += 1
        series.save()
        if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.reopen_hours:
            reopen_fully_credited_hours(invoice.credited_invoice)
        log_activity(
            customer=invoice.customer,
            actor=actor,
            action=f"{invoice.kind}.issued",
            summary=_("%(doc)s issued, total %(total)s")
            % {"doc": invoice, "total": f"{invoice.total_ore / 100:.2f}"},
        )
    return invoice
