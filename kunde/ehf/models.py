"""EHF state kept beside the documents and customers it belongs to (one row each), so the
invoices and customers tables need no EHF columns."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EhfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")
    EMAILED = "emailed", _("Sent by e-mail instead")


class EhfDelivery(models.Model):
    """Delivery of one issued invoice or credit note as EHF. The idempotency key is sent to the
    access point with every try, so a repeated send can never deliver the document twice."""

    invoice = models.OneToOneField(
        "invoices.Invoice", on_delete=models.PROTECT, related_name="ehf_delivery"
    )
    status = models.CharField(_("EHF status"), max_length=10, choices=EhfStatus)
    reason = models.TextField(_("reason"), blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    provider_id = models.CharField(max_length=200, blank=True, db_index=True)  # callbacks
    attempts = models.PositiveSmallIntegerField(default=0)
    # The gate's failed rules when the document did not pass (rule, flag, location, text):
    # the invoice page shows them with what to fix.
    failures = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status"], name="ehf_delivery_status")]

    def __str__(self):
        return f"{self.invoice_id}: {self.status}"


class EhfReceiver(models.Model):
    """The last Peppol lookup of a customer's organisation number."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="ehf_receiver"
    )
    organization_number = models.CharField(max_length=9)
    can_receive = models.BooleanField()
    accepts_invoice = models.BooleanField(default=False)
    accepts_credit_note = models.BooleanField(default=False)
    detail = models.TextField(blank=True)
    checked_at = models.DateTimeField()

    def __str__(self):
        return f"{self.organization_number}: {self.can_receive}"


class NokRate(models.Model):
    """NOK per unit of a foreign currency on a day: the VAT of a foreign-currency document must
    also be stated in NOK (BT-111)."""

    currency = models.CharField(max_length=3)
    date = models.DateField()
    nok = models.DecimalField(max_digits=12, decimal_places=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="one_nok_rate_per_day")
        ]

    def __str__(self):
        return f"{self.currency} {self.date}: {self.nok}"
