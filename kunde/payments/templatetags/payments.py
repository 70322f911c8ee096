"""Template tags through which other apps show payments without importing payment views."""

from django import template

from kunde.payments.views.invoice import invoice_payment_context

register = template.Library()


@register.inclusion_tag("payments/_invoice_payments_section.html", takes_context=True)
def invoice_payments(context, invoice):
    """The invoice page's payment section (nothing for drafts and credit notes)."""
    section = invoice_payment_context(context["request"], invoice)
    return {**context.flatten(), **section}
