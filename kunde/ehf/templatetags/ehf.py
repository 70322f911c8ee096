from django import template

from kunde.customers.models import InvoiceDelivery
from kunde.ehf.explain import failure_rows
from kunde.ehf.models import EhfDelivery
from kunde.ehf.warnings import draft_ehf_warnings

register = template.Library()


@register.inclusion_tag("ehf/_panel.html")
def ehf_panel(invoice):
    """EHF warnings on a draft; the EHF delivery status on an issued document."""
    if not invoice.is_issued:
        return {"warnings": draft_ehf_warnings(invoice), "foreign": invoice.currency != "NOK"}
    if invoice.customer.invoice_delivery != InvoiceDelivery.EHF:
        return {}  # no query for the many documents that never go as EHF
    delivery = EhfDelivery.objects.filter(invoice=invoice).first()
    return {"delivery": delivery, "failures": failure_rows(delivery.failures) if delivery else []}
