"""The payment pages, one module per area: ledger (the customer's ledger tab and statement),
invoice (payments on one invoice), imports (bank files) and unmatched (payments to assign)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.payments import selectors

# A payment state in words; the invoices report and the ledger show the same.
STATUS_LABELS = {
    selectors.UNPAID: gettext_lazy("Outstanding"),
    selectors.PARTIALLY_PAID: gettext_lazy("Partly paid"),
    selectors.PAID: gettext_lazy("Paid"),
    selectors.OVERPAID: gettext_lazy("Overpaid"),
    selectors.OVERDUE: gettext_lazy("Overdue"),
    selectors.CREDITED: gettext_lazy("Credited"),
}


def payment_status_text(state: selectors.PaymentState | None, *, days: bool = False) -> str:
    """ "Paid", "Overdue", …; with `days`, an overdue state says by how many days."""
    if state is None:
        return ""
    if days and state.status == selectors.OVERDUE:
        return _("Overdue, %(days)s days") % {"days": state.days_overdue}
    return str(STATUS_LABELS.get(state.status, state.status))
