"""An invoice's payment state in words ("Paid", "Overdue", …): the invoices report, the
invoices tab, the invoice page and the ledger show the same."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.payments import selectors

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
