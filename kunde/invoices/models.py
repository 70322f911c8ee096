"""Invoicing options (company → customer → project), invoices and credit notes.

Issued documents are permanent records: `Invoice.save()`, `delete()` and the queryset refuse to
change them, except the few operational fields listed in `Invoice.MUTABLE_AFTER_ISSUE`.
"""

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kunde.customers.models import Language


class VatTreatment(models.TextChoices):
    STANDARD = "standard", _("Standard VAT")
    EXEMPT = "exempt", _("Exempt from VAT")
    REVERSE_CHARGE = "reverse_charge", _("Reverse charge (buyer pays VAT)")
    OUTSIDE_SCOPE = "outside_scope", _("Outside the scope of VAT")


class HourLines(models.TextChoices):
    """How a draft from a project's hours puts them on invoice lines."""

    EMPLOYEE = "employee", _("One line per employee and price")
    PRICE = "price", _("One line per price")
    ENTRY = "entry", _("One line per time entry")


class OptionsLevel(models.TextChoices):
    COMPANY = "company", _("Company default")
    CUSTOMER = "customer", _("Customer")
    PROJECT = "project", _("Project")


class InvoiceOptions(models.Model):
    """Invoicing settings at one level. An empty (null) value means "as the level above"."""

    level = models.CharField(max_length=10, choices=OptionsLevel)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invoice_options",
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invoice_options",
    )
    credit_days = models.PositiveSmallIntegerField(_("credit days"), null=True, blank=True)
    your_reference = models.CharField(_("your reference"), max_length=100, null=True, blank=True)
    order_reference = models.CharField(
        _("order / buyer reference"), max_length=100, null=True, blank=True
    )
    contract_reference = models.CharField(
        _("contract reference"), max_length=100, null=True, blank=True
    )
    customer_contact = models.CharField(
        _("customer contact"), max_length=100, null=True, blank=True
    )
    line_above_name = models.CharField(
        _("extra line above the customer name"), max_length=100, null=True, blank=True
    )
    line_below_name = models.CharField(
        _("extra line below the customer name"), max_length=100, null=True, blank=True
    )
    invoice_text = models.TextField(_("invoice text"), null=True, blank=True)
    footer_text = models.TextField(_("footer text"), null=True, blank=True)
    invoice_fee_ore = models.PositiveIntegerField(_("invoice fee (øre)"), null=True, blank=True)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_treatment = models.CharField(
        _("VAT treatment"), max_length=20, choices=VatTreatment, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, null=True, blank=True)
    language = models.CharField(
        _("invoice language"), max_length=2, choices=Language, null=True, blank=True
    )
    hour_lines = models.CharField(
        _("hour lines on the invoice"), max_length=10, choices=HourLines, null=True, blank=True
    )
    attach_hour_specification = models.BooleanField(
        _("attach hour specification"), null=True, blank=True
    )
    email_to = models.CharField(
        _("invoice e-mail recipients"),
        max_length=500,
        null=True,
        blank=True,
        help_text=_("Comma-separated addresses."),
    )
    email_cc = models.CharField(_("copy to (cc)"), max_length=500, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=Q(level="company"), name="one_company_options"
            ),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(level="customer"), name="one_options_per_customer"
            ),
            models.UniqueConstraint(
                fields=["project"], condition=Q(level="project"), name="one_options_per_project"
            ),
            models.CheckConstraint(
                condition=Q(level="company", customer__isnull=True, project__isnull=True)
                | Q(level="customer", customer__isnull=False, project__isnull=True)
                | Q(level="project", project__isnull=False),
                name="options_level_matches_owner",
            ),
        ]

    def __str__(self):
        return f"{self.level} {self.customer_id or ''}{self.project_id or ''}"


class HourlyRate(models.Model):
    """An agreed hourly rate for one employee on a customer's work (or one project of it)."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="hourly_rates"
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="hourly_rates",
        verbose_name=_("only for project"),
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("employee"),
    )
    rate_ore = models.PositiveIntegerField(_("price per hour (øre)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["employee_id", "-valid_from"]
        indexes = [models.Index(fields=["customer", "employee", "valid_from"], name="rate_lookup")]

    def __str__(self):
        return f"{self.employee}: {self.rate_ore / 100:.2f}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class ExportStatus(models.TextChoices):
    TO_TRANSFER = "to_transfer", _("To transfer")
    TRANSFERRED = "transferred", _("Transferred")
    DO_NOT_TRANSFER = "do_not_transfer", _("Do not transfer")


class IssuedDocumentError(Exception):
    """An issued invoice or credit note was about to be changed or deleted."""


class InvoiceQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if (
            not set(kwargs) <= Invoice.MUTABLE_AFTER_ISSUE
            and self.filter(status=InvoiceStatus.ISSUED).exists()
        ):
            raise IssuedDocumentError("Issued invoices cannot be changed; issue a credit note.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=InvoiceStatus.ISSUED).exists():
            raise IssuedDocumentError("Issued invoices are never deleted.")
        return super().delete()

    def customer_move(self, *, from_id: int, to_id: int) -> list[int]:
        """Move every document of customer `from_id` to `to_id`, issued ones included, and
        nothing else: a customer merge puts the documents on the survivor's ledger while their
        number, KID, buyer snapshot and PDF stay as issued. The database triggers let an issued
        document's customer change only from -> to while a `CustomerMove` row allows it, so
        the allowance lives for this statement inside the caller's transaction. The ids moved."""
        ids = list(self.filter(customer_id=from_id).values_list("pk", flat=True))
        if ids:
            allowance = CustomerMove.objects.create(from_customer_id=from_id, to_customer_id=to_id)
            moving = self.filter(customer_id=from_id)
            super(InvoiceQuerySet, moving).update(customer_id=to_id)
            allowance.delete()
        return ids

    def customer_move_back(self, *, conditions, from_id: int, to_id: int) -> int:
        """Undo of `customer_move`: the documents of `from_id` that match one of `conditions`
        (Q objects naming the moved ids) go back to `to_id`."""
        allowance = CustomerMove.objects.create(from_customer_id=from_id, to_customer_id=to_id)
        moved = 0
        for condition in conditions:
            moving = self.filter(condition, customer_id=from_id)
            moved += super(InvoiceQuerySet, moving).update(customer_id=to_id)
        allowance.delete()
        return moved

    def draft_issue(self, invoice: "Invoice", *, fields) -> bool:
        """Write `fields` of an issuing draft in one UPDATE that only a draft row takes (the
        database triggers refuse any change of an issued row); False if it was issued already.
        Issuing calls it with the row locked.

        Plain SQL made from the fields' columns, each value prepared by its field as the ORM's
        UPDATE prepares it: issuing runs it on every issue, and compiling the ORM's UPDATE of
        thirteen fields took longer than the database took to run it."""
        meta = self.model._meta
        fields = [meta.get_field(name) for name in fields]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        values = [
            field.get_db_prep_save(getattr(invoice, field.attname), connection) for field in fields
        ]
        draft = f"{quote(meta.pk.column)} = %s AND {quote(meta.get_field('status').column)} = %s"
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {draft}",
                [*values, invoice.pk, InvoiceStatus.DRAFT.value],
            )
            return cursor.rowcount == 1

    def pdf_attach(self, pk: int, *, name: str, sha256: str) -> bool:
        """Record the stored PDF of an issued document, once: the PDF is rendered after issue,
        so the row gets it only while it has none. False when it already had one."""
        without_pdf = self.filter(pk=pk, status=InvoiceStatus.ISSUED).filter(
            Q(pdf="") | Q(pdf__isnull=True)
        )
        return super(InvoiceQuerySet, without_pdf).update(pdf=name, pdf_sha256=sha256) == 1


class CustomerMove(models.Model):
    """While a row exists (inside the merge's transaction only), the database triggers let an
    issued document's customer change from `from_customer_id` to `to_customer_id`; every other
    column stays protected. Written and removed by `InvoiceQuerySet.customer_move`."""

    from_customer_id = models.BigIntegerField()
    to_customer_id = models.BigIntegerField()

    def __str__(self):
        return f"{self.from_customer_id} -> {self.to_customer_id}"


class InvoiceSeries(models.Model):
    """The one number series of invoices and credit notes. Issuing locks this row, takes
    `next_number` and moves it on in the same transaction, so numbers have no gaps."""

    next_number = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"next {self.next_number}"

    @classmethod
    def number_take(cls) -> int:
        """Take the next number inside the caller's transaction: one UPDATE that locks the row
        (until commit, so numbers have no gaps) and moves it on. Issuing calls it as late as it
        can, so that concurrent issuers wait for each other as briefly as possible."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET next_number = next_number + 1 WHERE id = 1 "
                "RETURNING next_number - 1"
            )
            row = cursor.fetchone()
        if row is None:  # the first number ever: the row is made once, then taken as above
            cls.objects.get_or_create(pk=1)
            return cls.number_take()
        return row[0]


class Invoice(models.Model):
    # Operational state that may still change on an issued document.
    MUTABLE_AFTER_ISSUE = frozenset({"export_status", "exported_at", "export_run"})
    # Set once after issue (the PDF is rendered after the issuing transaction), never changed.
    WRITE_ONCE_AFTER_ISSUE = frozenset({"pdf", "pdf_sha256"})

    kind = models.CharField(_("type"), max_length=12, choices=InvoiceKind, default="invoice")
    status = models.CharField(_("status"), max_length=10, choices=InvoiceStatus, default="draft")
    number = models.PositiveIntegerField(_("number"), null=True, blank=True, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="invoices"
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("project"),
    )
    credited_invoice = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    reopen_hours = models.BooleanField(
        _("make the credited hours invoiceable again"), default=False
    )
    issue_date = models.DateField(_("invoice date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    credit_days = models.PositiveSmallIntegerField(_("credit days"), default=14)
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    language = models.CharField(_("invoice language"), max_length=2, choices=Language, default="nb")
    your_reference = models.CharField(_("your reference"), max_length=100, blank=True)
    order_reference = models.CharField(_("order / buyer reference"), max_length=100, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    customer_contact = models.CharField(_("customer contact"), max_length=100, blank=True)
    line_above_name = models.CharField(max_length=100, blank=True)
    line_below_name = models.CharField(max_length=100, blank=True)
    invoice_text = models.TextField(_("invoice text"), blank=True)
    footer_text = models.TextField(_("footer text"), blank=True)
    attach_hour_specification = models.BooleanField(_("attach hour specification"), default=False)
    kid = models.CharField(_("KID"), max_length=25, null=True, blank=True, unique=True)
    # The seller's and buyer's data as they were at issue (see invoices.documents).
    seller = models.JSONField(default=dict, blank=True)
    buyer = models.JSONField(default=dict, blank=True)
    # Totals in øre; negative on credit notes. Kept current on drafts, frozen at issue.
    net_ore = models.BigIntegerField(default=0)
    vat_ore = models.BigIntegerField(default=0)
    total_ore = models.BigIntegerField(default=0)
    # The document as issued (kunde.lib.invoice_document.to_data): its PDF is made from this
    # alone, after the issuing transaction commits (invoices.pdf.invoice_pdf_render).
    printable = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    export_status = models.CharField(
        _("export status"), max_length=20, choices=ExportStatus, default="to_transfer"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    export_run = models.ForeignKey(
        "invoices.AccountingExport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        indexes = [
            # The worker's scan for lost PDF renders (invoices.pdf.lost_pdfs_render) reads only
            # the issued documents without a PDF from it, oldest first. Not a partial index:
            # SQLite cannot use one for a query whose values are bound parameters.
            models.Index(fields=["status", "pdf", "issued_at"], name="invoice_pdf_missing"),
            models.Index(fields=["customer", "-issue_date", "-id"], name="invoice_customer_date"),
            models.Index(fields=["-issue_date", "-id"], name="invoice_date"),
            models.Index(fields=["status", "export_status"], name="invoice_export"),
            # The customer ledger and its ageing read documents from this index alone; with
            # the currency, project and net amount the Key statistics' invoicing and open
            # invoices too (measured: the tab 106 -> 94 ms with the payment indexes below).
            models.Index(
                fields=[
                    "customer",
                    "status",
                    "issue_date",
                    "kind",
                    "total_ore",
                    "due_date",
                    "credited_invoice",
                    "id",
                    "currency",
                    "project",
                    "net_ore",
                ],
                name="invoice_ledger",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False, issue_date__isnull=False),
                name="issued_has_number_and_date",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", credited_invoice__isnull=True)
                | Q(kind="credit_note", credited_invoice__isnull=False),
                name="credit_note_points_at_invoice",
            ),
        ]

    def __str__(self):
        label = self.get_kind_display()
        if self.number:
            return f"{label} {self.number}"
        return gettext("%(kind)s (draft)") % {"kind": label}

    def save(self, *args, update_fields=None, **kwargs):
        if self.pk and self._issued_in_database():
            if update_fields is None or not set(update_fields) <= self.MUTABLE_AFTER_ISSUE:
                raise IssuedDocumentError(
                    f"{self} is issued and cannot be changed; issue a credit note."
                )
        super().save(*args, update_fields=update_fields, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and self._issued_in_database():
            raise IssuedDocumentError(f"{self} is issued and is never deleted.")
        return super().delete(*args, **kwargs)

    def _issued_in_database(self) -> bool:
        return Invoice.objects.filter(pk=self.pk, status=InvoiceStatus.ISSUED).exists()

    @property
    def is_issued(self) -> bool:
        return self.status == InvoiceStatus.ISSUED

    def activity_ref(self) -> dict:
        """The document as an activity entry names it (worded when shown)."""
        return {"kind": self.kind, "number": self.number}


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price_ore = models.BigIntegerField(_("unit price (øre)"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    vat_rate = models.PositiveSmallIntegerField(_("VAT %"), default=25)
    vat_category = models.CharField(_("VAT category"), max_length=2, default="S")
    net_ore = models.BigIntegerField(default=0)
    # On a credit note: the invoice line it credits (None for a free credit line).
    credited_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        if Invoice.objects.filter(pk=self.invoice_id, status=InvoiceStatus.ISSUED).exists():
            raise IssuedDocumentError("Lines of an issued document cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Invoice.objects.filter(pk=self.invoice_id, status=InvoiceStatus.ISSUED).exists():
            raise IssuedDocumentError("Lines of an issued document are never deleted.")
        return super().delete(*args, **kwargs)


class AccountingExport(models.Model):
    """One run of the export to accounting: the documents it marked transferred, and its files."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    document_count = models.PositiveIntegerField(default=0)
    csv_file = models.FileField(upload_to="exports/%Y/")
    xlsx_file = models.FileField(upload_to="exports/%Y/")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Export {self.pk} ({self.document_count})"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    EHF = "ehf", _("EHF")


class DeliveryResult(models.TextChoices):
    # "sending" that never turns into sent/failed means the process stopped in between: the
    # page says the outcome is unknown, so nobody re-sends blindly.
    SENDING = "sending", _("Outcome unknown")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    QUEUED = "queued", _("In the print queue")
    PRINTED = "printed", _("Printed")


class DeliveryAttempt(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=DeliveryChannel)
    recipient = models.CharField(max_length=500, blank=True)
    result = models.CharField(max_length=10, choices=DeliveryResult)
    error = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)  # e.g. why EHF went by e-mail
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["invoice", "-started_at"], name="delivery_invoice"),
            models.Index(fields=["channel", "result"], name="delivery_queue"),
        ]

    def __str__(self):
        return f"{self.channel} {self.result} {self.recipient}"


class ExportStatusChange(models.Model):
    """A person's change of a document's export status (the export run logs its own)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="export_changes")
    old_status = models.CharField(max_length=20, choices=ExportStatus)
    new_status = models.CharField(max_length=20, choices=ExportStatus)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.invoice_id}: {self.old_status} -> {self.new_status}"


class ReportColumns(models.Model):
    """The columns a user chose for a report, kept between visits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.CharField(max_length=50)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "report"], name="one_column_choice_per_report")
        ]

    def __str__(self):
        return f"{self.user_id} {self.report}"
