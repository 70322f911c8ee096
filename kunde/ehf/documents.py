"""Issued invoices and credit notes as EHF documents, checked by the gate before anyone sees or
sends them."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kunde.ehf.models import NokRate
from kunde.invoices.delivery import attachment_name, stored_pdf
from kunde.invoices.documents import printable_invoice
from kunde.invoices.models import Invoice
from kunde.lib import ehf_validation, ubl
from kunde.lib.peppol_rules import Failure


@dataclass
class EhfDocument:
    invoice: Invoice
    xml: bytes
    report: ehf_validation.Report

    @property
    def valid(self) -> bool:
        return self.report.valid


def nok_vat_total(invoice: Invoice, vat_total: Decimal) -> Decimal:
    """The VAT total in NOK at the latest rate on or before the invoice date."""
    rate = (
        NokRate.objects.filter(currency=invoice.currency, date__lte=invoice.issue_date)
        .order_by("-date")
        .first()
    )
    if rate is None:
        raise LookupError(invoice.currency)
    return (abs(vat_total) * rate.nok).quantize(Decimal("0.01"))


def ehf_xml(invoice: Invoice) -> bytes:
    """The UBL document of an issued invoice or credit note, from its stored data and PDF.
    Raises ValidationError for what keeps it from being built at all."""
    if not invoice.is_issued:
        raise ValidationError(_not_issued(invoice))
    doc = printable_invoice(invoice)
    vat_nok = None
    if invoice.currency != "NOK":
        try:
            vat_nok = nok_vat_total(invoice, doc.vat_total)
        except LookupError:
            raise ValidationError(
                _missing_rate(invoice.currency, invoice.issue_date), code="NOK-RATE"
            ) from None
    pdf = stored_pdf(invoice)
    attachment = ubl.Attachment(
        filename=attachment_name(invoice),
        content=pdf,
        description=str(invoice),
    )
    return ubl.build_ubl(doc, attachments=(attachment,), vat_total_nok=vat_nok)


def ehf_document(invoice: Invoice) -> EhfDocument:
    """The document and the gate's verdict on it. What keeps it from being built at all is a
    failure in the report too (rule "NOK-RATE" or "PDF"), so callers have one thing to show."""
    try:
        xml = ehf_xml(invoice)
    except ValidationError as exc:
        rule = exc.code if exc.code == "NOK-RATE" else "PDF"
        if not invoice.is_issued:
            raise
        text = " ".join(exc.messages)
        return EhfDocument(invoice, b"", ehf_validation.Report([Failure(rule, "fatal", "", text)]))
    return EhfDocument(invoice, xml, ehf_validation.validate(xml))


def _not_issued(invoice) -> str:
    return _("%(doc)s is not issued; only issued documents have an EHF document.") % {
        "doc": invoice
    }


def _missing_rate(currency: str, day) -> str:
    return _("No NOK exchange rate for %(currency)s on or before %(date)s.") % {
        "currency": currency,
        "date": day.isoformat(),
    }
