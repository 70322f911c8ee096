from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kunde.customers.validators import (
    normalized,
    validate_bank_account,
    validate_organization_number,
)
from kunde.lib import names, numbers


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Private person")


class CustomerStatus(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    INACTIVE = "inactive", _("Inactive")


class InvoiceDelivery(models.TextChoices):
    EMAIL = "email", _("E-mail")
    EHF = "ehf", _("EHF (PEPPOL)")
    LETTER = "letter", _("Letter")


class EhfStatus(models.TextChoices):
    UNKNOWN = "unknown", _("Not checked")
    CAN_RECEIVE = "can_receive", _("Can receive EHF")
    CANNOT_RECEIVE = "cannot_receive", _("Cannot receive EHF")


class Language(models.TextChoices):
    NB = "nb", _("Norwegian")
    EN = "en", _("English")


class Customer(models.Model):
    number = models.PositiveIntegerField(_("customer number"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10, choices=CustomerKind, default="company")
    organization_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        db_index=True,
        validators=[validate_organization_number],
    )
    organization_form = models.CharField(_("organisation form"), max_length=10, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")
    status = models.CharField(_("status"), max_length=10, choices=CustomerStatus, default="active")
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))

    postal_street = models.CharField(_("postal address"), max_length=200, blank=True)
    postal_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    postal_city = models.CharField(_("city"), max_length=100, blank=True)
    postal_country = models.CharField(_("country"), max_length=2, default="NO")
    # Visiting and delivery addresses are optional; empty means "same as the postal address".
    visiting_street = models.CharField(_("visiting address"), max_length=200, blank=True)
    visiting_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    visiting_city = models.CharField(_("city"), max_length=100, blank=True)
    delivery_street = models.CharField(_("delivery address"), max_length=200, blank=True)
    delivery_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    delivery_city = models.CharField(_("city"), max_length=100, blank=True)

    email = models.EmailField(_("e-mail"), blank=True)
    invoice_email = models.EmailField(_("invoice e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    bank_account = models.CharField(
        _("bank account"), max_length=34, blank=True, validators=[validate_bank_account]
    )
    language = models.CharField(_("language"), max_length=2, choices=Language, default="nb")
    currency = models.CharField(_("currency"), max_length=3, default="NOK")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )

    invoice_delivery = models.CharField(
        _("preferred invoice type"), max_length=10, choices=InvoiceDelivery, default="email"
    )
    external_invoice_email = models.EmailField(
        _("external receiver"),
        blank=True,
        help_text=_("Invoices go to this address instead of the customer's own e-mail."),
    )
    ehf_status = models.CharField(
        _("EHF capability"), max_length=20, choices=EhfStatus, default="unknown"
    )
    ehf_checked_at = models.DateTimeField(_("EHF checked"), null=True, blank=True)

    # Derived, kept by the services: lower-case text the list search looks in, and the
    # case-insensitive sort key of the name.
    search_text = models.TextField(editable=False, default="")
    sort_name = models.CharField(max_length=200, editable=False, default="")
    # The name as duplicate suggestions compare it (`lib.names.name_key`): no case, accents,
    # punctuation or legal form, the words sorted.
    name_key = models.CharField(max_length=200, editable=False, default="", db_index=True)
    # The company domain of the e-mail ("" for none or free mail), for the same suggestions.
    email_domain = models.CharField(max_length=254, editable=False, default="", db_index=True)
    # Bumped by every update, so that a stale edit is detected instead of overwriting.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Set when this customer was merged into another (`merges.services.customer_merge`): the row
    # stays as a tombstone, its pages and API id lead to the survivor, and undo clears it.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_customers",
        db_index=False,  # the partial index below
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["sort_name", "id"], name="customer_sort_name"),
            models.Index(fields=["created_at", "id"], name="customer_created"),
            models.Index(fields=["status", "sort_name", "id"], name="customer_status_name"),
            # Only the few merged customers: a full index on the column made SQLite answer the
            # list's "merged_into IS NULL" from it and sort 100,000 rows for every page and for
            # Previous / Next (65 ms), instead of walking the sort_name index.
            models.Index(
                fields=["merged_into"],
                condition=Q(merged_into__isnull=False),
                name="customer_merged_into",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"

    def clean(self):
        self.organization_number = normalized(
            numbers.clean_organization_number, self.organization_number
        )
        self.bank_account = normalized(numbers.clean_bank_account, self.bank_account)
        self.country = self.country.upper()
        errors = {}
        if self.vat_number:
            try:
                self.vat_number = numbers.clean_vat_number(self.vat_number, self.country)
            except ValueError as exc:
                errors["vat_number"] = str(exc)
            else:
                own = numbers.vat_number_for(self.organization_number)
                if self.country == "NO" and self.organization_number and self.vat_number != own:
                    errors["vat_number"] = _(
                        "The VAT number does not belong to the organisation number "
                        "(expected %(own)s)."
                    ) % {"own": own}
        if self.invoice_delivery == InvoiceDelivery.EHF and not self.organization_number:
            errors["invoice_delivery"] = _(
                "EHF needs an organisation number: the EHF receiver is found from it."
            )
        if errors:
            raise ValidationError(errors)

    def refresh_derived_fields(self, contact_names: list[str]) -> None:
        self.sort_name = self.name.casefold().strip()
        self.name_key = names.name_key(self.name)[:200]
        self.email_domain = names.email_domain(self.email)[:254]
        parts = [
            str(self.number),
            self.name,
            self.organization_number,
            self.email,
            self.invoice_email,
            *contact_names,
        ]
        self.search_text = " ".join(p for p in parts if p).casefold()

    @property
    def invoice_recipient(self) -> str:
        """Where an e-mailed invoice goes: the external receiver wins over the customer's own."""
        return self.external_invoice_email or self.invoice_email or self.email


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_contact"
            )
        ]

    def __str__(self):
        return self.name


class Note(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="customer_notes"
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)  # set when the author changes it

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at", "-id"], name="note_timeline")]

    def __str__(self):
        return self.text[:50]
