from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kunde.activity.messages import describe_changes
from kunde.company.kid import kid_rule
from kunde.customers.validators import (
    normalized,
    validate_bank_account,
    validate_organization_number,
)
from kunde.lib import numbers
from kunde.lib.kid import KidRuleError
from kunde.lib.model_rows import model_rows


def _validate_iban(value: str) -> None:
    try:
        numbers.clean_iban(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid") from exc


def _validate_bic(value: str) -> None:
    try:
        numbers.clean_bic(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid") from exc


class Company(models.Model):
    """The firm that runs Kunde. There is exactly one row; `Company.load()` returns it."""

    name = models.CharField(_("name"), max_length=200, default="Vårt firma AS")
    organization_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[validate_organization_number],
    )
    organization_form = models.CharField(_("organisation form"), max_length=10, blank=True)
    vat_registered = models.BooleanField(_("VAT-registered"), default=True)
    street = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    bank_account = models.CharField(
        _("bank account"), max_length=34, blank=True, validators=[validate_bank_account]
    )
    # For payers abroad: sent in EHF beside the account number (PaymentMeans, BT-84/BT-86).
    iban = models.CharField(_("IBAN"), max_length=34, blank=True, validators=[_validate_iban])
    bic = models.CharField(_("BIC (SWIFT)"), max_length=11, blank=True, validators=[_validate_bic])
    # EHF: a customer the Peppol lookup says cannot receive EHF gets the PDF by e-mail instead.
    ehf_fallback_email = models.BooleanField(
        _("e-mail when the customer cannot receive EHF"),
        default=True,
        help_text=_(
            "When the Peppol lookup says an EHF customer cannot receive EHF, the invoice is "
            "e-mailed with the PDF instead, and recorded as such."
        ),
    )
    # KID on invoices, as agreed with the bank (Nets): see kunde.lib.kid.KidRule.
    kid_enabled = models.BooleanField(_("use KID on invoices"), default=True)
    kid_algorithm = models.CharField(
        _("KID check digit"),
        max_length=5,
        default="MOD10",
        choices=[("MOD10", "MOD10 (Luhn)"), ("MOD11", "MOD11")],
    )
    kid_customer_digits = models.PositiveSmallIntegerField(
        _("customer number digits in the KID"), default=0
    )
    kid_invoice_digits = models.PositiveSmallIntegerField(
        _("invoice number digits in the KID"), default=7
    )
    kid_fixed_digits = models.CharField(
        _("fixed digits first in the KID"), max_length=10, blank=True
    )
    kid_document_type_digit = models.BooleanField(
        _("document type digit (1 invoice, 3 credit note)"), default=False
    )
    kid_mod11_dash = models.CharField(
        _("when a MOD11 check digit would be “-”"),
        max_length=10,
        default="dash",
        choices=[("dash", _("use “-”")), ("variant", _("change a variant digit instead"))],
    )
    # Payments: an invoice's remainder up to this much may be written off (rounding, bank fees).
    write_off_tolerance_ore = models.PositiveIntegerField(
        _("write-off tolerance (øre)"),
        default=100,
        help_text=_("An open remainder up to this amount may be written off."),
    )
    customer_number_start = models.PositiveIntegerField(
        _("first customer number"),
        default=10000,
        help_text=_("New customers get the next free number from here."),
    )

    class Meta:
        verbose_name = _("our company")

    def __str__(self):
        return self.name

    @classmethod
    def load(cls) -> "Company":
        """The one row, made on first use. Read by `model_rows`: issuing reads it on every
        issue."""
        for company in model_rows(cls, pk=1):
            return company
        company, _created = cls.objects.get_or_create(pk=1)
        return company

    def clean(self):
        self.organization_number = normalized(
            numbers.clean_organization_number, self.organization_number
        )
        self.bank_account = normalized(numbers.clean_bank_account, self.bank_account)
        self.iban = normalized(numbers.clean_iban, self.iban)
        self.bic = normalized(numbers.clean_bic, self.bic)
        if self.kid_enabled:
            self._check_kid_rule()

    def _check_kid_rule(self) -> None:
        try:
            kid_rule(self).validate()
        except KidRuleError as exc:
            raise ValidationError(
                _("This KID setting cannot work: %(reason)s"),
                code="kid_rule",
                params={"reason": str(exc)},
            ) from exc
        if not self.kid_invoice_digits:
            # Every document needs its own KID (the database holds them unique): the customer
            # number alone would repeat on a customer's second invoice.
            raise ValidationError(
                _(
                    "This KID setting would give all invoices of a customer the same KID. "
                    "Include the invoice number (at least one digit) so that every invoice and "
                    "credit note gets its own KID."
                ),
                code="kid_not_unique",
            )


class CompanyArea(models.TextChoices):
    DATA = "company", _("Company data")
    KID = "kid", _("KID on invoices")
    INVOICING = "invoicing", _("Invoicing defaults")


class CompanyChange(models.Model):
    """One saved change of our company's settings: who, when, which part, and the fields old ->
    new. The customers' activity log cannot hold these, and they matter: the KID rule decides how
    incoming payments are matched. Rows are only ever added (`company.services`)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    area = models.CharField(max_length=12, choices=CompanyArea)
    # {"field": {"label": ..., "old": ..., "new": ...}}, as in the customers' activity log.
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.area}"

    @property
    def text(self) -> str:
        """What changed, as an activity entry's text (the page shows both alike)."""
        return str(self.get_area_display())

    @property
    def shown_changes(self) -> dict:
        """The fields old -> new, named and formatted in the reader's language."""
        model = (
            "invoices.InvoiceOptions" if self.area == CompanyArea.INVOICING else "company.Company"
        )
        return describe_changes("", self.changes, model_label=model)
