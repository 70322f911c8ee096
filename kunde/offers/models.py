"""Offers: what the firm proposes to a customer, sent as a PDF, accepted or rejected online,
and, once accepted, the budget of a project (its hourly activities and fixed-price milestones).

Amounts are øre, rates øre per hour, hours Decimal with three decimals. A sent offer is never
changed: editing it makes a new revision (A, B, …) and every sent revision keeps its document
and PDF in `OfferRevision`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class OfferSeries(models.Model):
    """The one offer number series and the company's offer defaults. Sending locks this row,
    takes `next_number` and moves it on in the same transaction, so numbers have no gaps."""

    next_number = models.PositiveIntegerField(_("next offer number"), default=1)
    valid_days = models.PositiveSmallIntegerField(
        _("offers valid for (days)"), default=30, help_text=_("The default valid-until date.")
    )

    def __str__(self):
        return f"next {self.next_number}"

    @classmethod
    def load(cls) -> "OfferSeries":
        # A fixed key: two first sends at once make one row (get_or_create retries the get).
        return cls.objects.get_or_create(pk=1)[0]


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    READY = "ready", _("Ready to send")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An offer in these states can no longer be answered.
ANSWERED = (OfferStatus.ACCEPTED, OfferStatus.REJECTED)


class Offer(models.Model):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="offers"
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact person"),
    )
    name = models.CharField(_("offer name"), max_length=200)
    tag = models.CharField(_("tag"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=OfferStatus, default="draft")
    number = models.PositiveIntegerField(_("offer number"), null=True, blank=True, unique=True)
    # "" until a sent offer is edited; then A, B, … (the revision being drafted or sent).
    revision = models.CharField(_("revision"), max_length=3, blank=True)
    issue_date = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )
    customer_reference = models.CharField(_("customer reference"), max_length=100, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    intro_text = models.TextField(_("introduction"), blank=True)
    closing_text = models.TextField(_("closing text"), blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    language = models.CharField(_("language"), max_length=2, default="nb")
    # Totals of the lines that are not optional (what the customer pays without options).
    net_ore = models.BigIntegerField(default=0)
    vat_ore = models.BigIntegerField(default=0)
    total_ore = models.BigIntegerField(default=0)
    # Net of the optional lines, shown apart.
    optional_net_ore = models.BigIntegerField(default=0)
    # Random part of the public link; a new one for every sent revision.
    token_nonce = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_by_hand = models.BooleanField(_("sent by hand"), default=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_name = models.CharField(_("name"), max_length=200, blank=True)
    answered_title = models.CharField(_("title"), max_length=200, blank=True)
    answered_ip = models.GenericIPAddressField(null=True, blank=True)
    # Set when a user registered the answer (else the customer answered online).
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reject_comment = models.TextField(_("comment"), blank=True)
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("project"),
    )
    # Lower-case name, number, tag and customer name: the list searches it with LIKE.
    search_text = models.CharField(max_length=600, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "-issue_date", "-id"], name="offer_customer_date"),
            models.Index(fields=["-issue_date", "-id"], name="offer_date"),
            models.Index(fields=["status", "valid_until"], name="offer_status_valid"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "ready"]) | Q(number__isnull=False),
                name="offer_sent_has_number",
            ),
        ]

    def __str__(self):
        if self.number:
            return gettext("Offer %(number)s") % {"number": self.label}
        return gettext("Offer draft “%(name)s”") % {"name": self.name}

    @property
    def label(self) -> str:
        """The number with its revision: "12", "12-A"."""
        if not self.number:
            return ""
        return f"{self.number}-{self.revision}" if self.revision else str(self.number)

    def activity_ref(self) -> dict:
        return {"kind": "offer", "number": self.label or None, "name": self.name}


class LineKind(models.TextChoices):
    HOURLY = "hourly", _("By the hour")
    FIXED = "fixed", _("Fixed price")
    EXPENSE = "expense", _("Expense")


class OfferLine(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    # Lines with the same section title, in order, make one section.
    section = models.CharField(_("section"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind, default="hourly")
    description = models.CharField(_("description"), max_length=500)
    # Estimated hours on an hourly line.
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price_ore = models.BigIntegerField(_("unit price (øre)"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    vat_rate = models.PositiveSmallIntegerField(_("VAT %"), default=25)
    vat_category = models.CharField(_("VAT category"), max_length=2, default="S")
    net_ore = models.BigIntegerField(default=0)
    optional = models.BooleanField(_("optional"), default=False)
    # For an optional line of an accepted offer: whether the customer chose it.
    chosen = models.BooleanField(_("chosen"), default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description

    @property
    def included(self) -> bool:
        """Part of the accepted work: not optional, or optional and chosen."""
        return not self.optional or self.chosen


class OfferRevision(models.Model):
    """One sent version of an offer, kept read-only with its PDF."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="revisions")
    revision = models.CharField(max_length=3, blank=True)
    printable = models.JSONField(default=dict)
    total_ore = models.BigIntegerField(default=0)
    pdf = models.FileField(upload_to="offers/%Y/", null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["offer_id", "sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "revision"], name="one_revision_letter")
        ]

    def __str__(self):
        return f"{self.offer_id} {self.revision}"


class OfferDeliveryResult(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Outcome unknown")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BY_HAND = "by_hand", _("Sent by hand")


class OfferDelivery(models.Model):
    """One attempt to deliver a revision: e-mail through the job queue, or sent by hand."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="deliveries")
    revision = models.ForeignKey(OfferRevision, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=10, choices=OfferDeliveryResult)
    error = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.result} {self.recipient}"


class Milestone(models.Model):
    """A fixed-price activity of an accepted offer (or a percentage of it), invoiced once when
    due. `invoice_line` marks it invoiced, like a time entry; deleting the draft line frees it."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="milestones")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="milestones"
    )
    line = models.ForeignKey(OfferLine, on_delete=models.PROTECT, related_name="milestones")
    description = models.CharField(_("description"), max_length=500)
    percent = models.DecimalField(_("percent of the activity"), max_digits=5, decimal_places=2)
    net_ore = models.BigIntegerField(_("amount (øre)"))
    vat_rate = models.PositiveSmallIntegerField(default=25)
    vat_category = models.CharField(max_length=2, default="S")
    due_date = models.DateField(_("due"), null=True, blank=True)
    invoice_line = models.ForeignKey(
        "invoices.InvoiceLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offer_milestones",
    )

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["project", "due_date"], name="milestone_project_due")]

    def __str__(self):
        return self.description
