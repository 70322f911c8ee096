"""The business actions on invoices and credit notes, one module per kind of action: drafts,
credit notes and issuing (lines holds what they share). Callers import from here."""

from kunde.invoices.services.credit_notes import credit_note_create, credit_remaining_ore
from kunde.invoices.services.drafts import (
    invoice_draft_create,
    invoice_draft_delete,
    invoice_draft_update,
)
from kunde.invoices.services.issuing import (
    IssuedAndSent,
    invoice_issue,
    invoice_issue_and_send,
    invoice_preview_pdf,
)
from kunde.invoices.services.lines import HEADER_FIELDS, InvoiceStateError

__all__ = [
    "HEADER_FIELDS",
    "IssuedAndSent",
    "InvoiceStateError",
    "credit_note_create",
    "credit_remaining_ore",
    "invoice_draft_create",
    "invoice_draft_delete",
    "invoice_draft_update",
    "invoice_issue",
    "invoice_issue_and_send",
    "invoice_preview_pdf",
]
