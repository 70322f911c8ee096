"""The payment pages, one module per area: ledger (the customer's ledger tab and statement),
invoice (payments on one invoice), imports (bank files) and unmatched (payments to assign)."""

from kunde.payments.status import STATUS_LABELS, payment_status_text

__all__ = ["STATUS_LABELS", "payment_status_text"]
