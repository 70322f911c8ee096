"""What an EHF document will miss, said while the document is still a draft: an issued invoice
cannot be changed, so the mistakes are best stopped before issue."""

from django.utils.translation import gettext as _

from kunde.company.models import Company
from kunde.customers.models import InvoiceDelivery
from kunde.ehf.models import EhfReceiver, NokRate
from kunde.invoices.models import Invoice
from kunde.lib.peppol_rules import orgnr_is_valid


def draft_ehf_warnings(invoice: Invoice) -> list[str]:
    """Warnings for a draft whose customer prefers EHF; empty for everyone else."""
    customer = invoice.customer
    if invoice.is_issued or customer.invoice_delivery != InvoiceDelivery.EHF:
        return []
    warnings = []
    if not (invoice.order_reference.strip() or invoice.your_reference.strip()):
        warnings.append(
            _(
                "The buyer reference is missing: EHF needs “order / buyer reference” or “your "
                "reference”. Ask the customer which reference they want."
            )
        )
    orgnr = customer.organization_number
    if not orgnr:
        warnings.append(_("The customer's organisation number is missing: EHF is sent to it."))
    elif not orgnr_is_valid(orgnr):
        warnings.append(_("The customer's organisation number is not a valid one."))
    if not customer.postal_street or not (customer.postal_postcode or customer.postal_city):
        warnings.append(_("The customer's postal address is missing."))
    company = Company.load()
    if not company.organization_number:
        warnings.append(_("Our company's organisation number is missing (company settings)."))
    if invoice.currency != "NOK" and not NokRate.objects.filter(currency=invoice.currency).exists():
        warnings.append(
            _("There is no NOK exchange rate for %(currency)s: EHF must state the VAT in NOK.")
            % {"currency": invoice.currency}
        )
    receiver = EhfReceiver.objects.filter(customer=customer).first()
    if receiver is None or receiver.organization_number != orgnr:
        warnings.append(
            _("Nobody has checked that the customer can receive EHF: verify it on the profile.")
        )
    elif not receiver.can_receive:
        warnings.append(
            _(
                "The customer cannot receive EHF (checked %(date)s): %(detail)s Choose another "
                "invoice type or check again."
            )
            % {"date": receiver.checked_at.date().isoformat(), "detail": receiver.detail}
        )
    return warnings
