"""Payments and payment imports. Payments are append-only rows: a mistake is corrected with an
opposite entry, never by changing or deleting the first one."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportFormat(models.TextChoices):
    OCR = "ocr", _("Nets OCR giro")
    CAMT054 = "camt054", _("camt.054")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    BOOKED = "booked", _("Booked")
    REFUSED = "refused", _("Refused")


class PaymentImport(models.Model):
    """One imported bank file, kept for inspection whether it was booked or refused."""

    format = models.CharField(max_length=10, choices=ImportFormat, blank=True)
    file = models.FileField(upload_to="payment-imports/%Y/")
    file_name = models.CharField(max_length=255, blank=True)
    # The same file twice is recognised by its hash; the same transmission (OCR transmission
    # number, camt message id) in another file by its reference.
    sha256 = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=100, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=ImportStatus, default="running")
    error = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)
    progress = models.PositiveIntegerField(default=0)  # transactions handled so far
    total = models.PositiveIntegerField(default=0)  # transactions in the file
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_format_display()} {self.file_name}"


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    OCR = "ocr", _("OCR giro")
    CAMT = "camt", _("camt.054")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    WRITE_OFF = "write_off", _("Write-off")
    CREDIT = "credit", _("Customer credit")
    REFUND = "refund", _("Refund")
    CORRECTION = "correction", _("Correction")


class MatchRule(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    KID_EXACT = "kid_exact", _("KID, exact amount")
    KID_PARTIAL = "kid_partial", _("KID, less than due")
    KID_OVER = "kid_over", _("KID, more than due")
    KID_REVERSAL = "kid_reversal", _("KID, reversal")
    OVERPAYMENT = "overpayment", _("Excess held as customer credit")
    UNMATCHED = "unmatched", _("Not matched")
    ASSIGNED = "assigned", _("Assigned by hand")
    CREDIT_APPLIED = "credit_applied", _("Customer credit applied")
    WRITE_OFF = "write_off", _("Written off")


SOURCE_KEY_LENGTH = 64


def transaction_identity(kind: str, *parts: object) -> str:
    """A bank transaction's identity as one text, every part whole: "ocr:<transmission>:
    <assignment>:<transaction>" or "camt:<entry ref>:<transaction ref>". A ":" or "\\" inside a
    part is escaped with "\\", so that different parts never give the same text; parts without
    them read as the keys booked before the keys were hashed (see `source_key`)."""
    escaped = (str(part).replace("\\", "\\\\").replace(":", "\\:") for part in parts)
    return ":".join((kind, *escaped))


def source_key(identity: str) -> str:
    """The fixed-width key stored for a transaction: the SHA-256 (hex) of its full identity.

    Keys booked before hashing were the identity text itself, cut to 200 characters; migration
    0003 replaced each by the hash of that text, so a transaction booked then has the same key
    now (unless its identity was longer than 200 characters: those old keys were cut, and are
    recognised only by the file and message checks)."""
    return hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()


class PaymentChangeError(Exception):
    """A booked payment was about to be changed or deleted. Payments are append-only: a mistake
    is corrected by an opposite entry (`payment_correct`)."""


class PaymentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if (
            not set(kwargs) <= Payment.ASSIGNMENT_FIELDS
            or self.exclude(match_rule=MatchRule.UNMATCHED).exists()
        ):
            raise PaymentChangeError(
                "Booked payments cannot be changed; book an opposite entry instead."
            )
        return super().update(**kwargs)

    def delete(self):
        raise PaymentChangeError("Payments are never deleted; book an opposite entry instead.")


class Payment(models.Model):
    """Money in (positive) or out (negative) for a customer, on an invoice or as the customer's
    credit (invoice empty). Unmatched payments have neither customer nor invoice until finance
    assigns them.

    Rows are append-only. The one change allowed is the assignment of an unmatched payment
    (`unmatched_assign`): "owner unknown" becomes a known customer (and invoice), once; the
    amount, date and bank data never change. `save()`, `delete()` and the queryset enforce it.
    """

    # The fields that the assignment of an unmatched payment sets.
    ASSIGNMENT_FIELDS = frozenset(
        {"customer", "invoice", "match_rule", "assigned_by", "assigned_at"}
    )

    # Indexes are few on purpose: an OCR file books 100,000 rows at once, and every index is
    # written for every row. customer and invoice are covered by the indexes in Meta.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        db_index=False,
    )
    invoice = models.ForeignKey(
        "invoices.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        db_index=False,
    )
    amount_ore = models.BigIntegerField(_("amount (øre)"))
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    date = models.DateField(_("payment date"))
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod)
    match_rule = models.CharField(max_length=16, choices=MatchRule, default="manual")
    kid = models.CharField(max_length=25, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    payer_account = models.CharField(max_length=34, blank=True)
    text = models.CharField(_("text from the bank"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    source_import = models.ForeignKey(
        PaymentImport, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # The SHA-256 of a bank transaction's full identity (`source_key`): the database refuses
    # to book it twice. A hash, so that no reference is ever cut to fit the column.
    source_key = models.CharField(max_length=SOURCE_KEY_LENGTH, null=True, blank=True, unique=True)
    # For an entry that corrects another, or the split-off part of one bank transaction.
    related = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who assigned an unmatched payment to its customer, and when (empty for all others).
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            # The ledger reads a customer's payments from this index alone (no table lookups),
            # and with the currency and method the Key statistics' payment cards too.
            models.Index(
                fields=["customer", "date", "id", "invoice", "amount_ore", "currency", "method"],
                name="payment_customer_date",
            ),
            # With the date and amount, the open amount of an invoice (also on a past day,
            # `with_open_ore(as_of=...)`) is read from the index alone.
            models.Index(fields=["invoice", "date", "amount_ore"], name="payment_invoice"),
            # Partial indexes: only the few rows they are for are written to them.
            models.Index(
                fields=["date", "id"],
                condition=Q(match_rule="unmatched"),
                name="payment_unmatched",
            ),
            models.Index(
                fields=["related"], condition=Q(related__isnull=False), name="payment_related"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_ore=0), name="payment_not_zero"),
            # Unmatched means "owner unknown"; everything else belongs to a customer, and a
            # payment on an invoice to that invoice's customer (checked by the services).
            models.CheckConstraint(
                condition=Q(match_rule="unmatched", customer__isnull=True, invoice__isnull=True)
                | (~Q(match_rule="unmatched") & Q(customer__isnull=False)),
                name="payment_owner_known_unless_unmatched",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.amount_ore / 100:.2f}"

    def save(self, *args, update_fields=None, **kwargs):
        if self.pk and not self._adding_or_assigning(update_fields):
            raise PaymentChangeError(
                f"Payment {self.pk} is booked and cannot be changed; book an opposite entry."
            )
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        raise PaymentChangeError("Payments are never deleted; book an opposite entry instead.")

    def _adding_or_assigning(self, update_fields) -> bool:
        if self._state.adding:
            return True
        return (
            update_fields is not None
            and set(update_fields) <= self.ASSIGNMENT_FIELDS
            and Payment.objects.filter(pk=self.pk, match_rule=MatchRule.UNMATCHED).exists()
        )


class InvoiceOpenAmount(models.Model):
    """What is open on each issued invoice with every payment and credit note counted, and the
    latest date among the invoice's, its payments' and its credit notes'. Written by database
    triggers only (`payments.open_amounts`), so that no way of booking can miss it.

    Not a second definition of what is open (`selectors.with_open_ore` is the one): readers
    use it to find the few invoices that can be open on a day, and compute their amounts as
    always. An invoice can be open on a day D only if it is open now and nothing of it is dated
    after D (`last_date` ≤ D), or if something of it is dated after D."""

    invoice = models.OneToOneField(
        "invoices.Invoice", on_delete=models.CASCADE, primary_key=True, related_name="open_amount"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The invoice's own, which never change once it is issued: the Key statistics read open
    # invoices from these rows alone.
    currency = models.CharField(max_length=3)
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    due_date = models.DateField(null=True)
    open_ore = models.BigIntegerField()
    # Only ever moved forward (a deleted payment leaves it): a later date is always safe.
    last_date = models.DateField()

    class Meta:
        indexes = [
            # Covering: the open invoices with nothing after a day are read from this index
            # alone (and so the planner prefers it to the next one for them).
            models.Index(
                fields=["customer", "open_ore", "last_date", "currency", "project", "due_date"],
                name="open_amount_customer",
            ),
            models.Index(fields=["customer", "last_date"], name="open_amount_last_date"),
        ]

    def __str__(self):
        return f"{self.invoice_id}: {self.open_ore}"
