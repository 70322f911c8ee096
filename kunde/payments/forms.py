"""Forms of the payment pages. They check the input's shape (an amount in kroner exact to the øre,
a date, a known invoice number); the rules are the services'."""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kunde.customers.models import Customer
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from kunde.lib.money import MAX_AMOUNT_ORE, amount_in_range, format_money
from kunde.payments.models import PaymentMethod
from kunde.payments.services import MANUAL_METHODS

MAX_FILE_BYTES = 100 * 1024 * 1024
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_AMOUNT = re.compile(r"[+-]?[0-9]{1,20}(\.[0-9]{1,20})?")
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"]


class KronerField(forms.Field):
    """An amount in kroner, typed the Norwegian way ("1 234,50") or with a point ("1234.50"),
    cleaned to whole øre (an int). More than two decimals is refused, not rounded."""

    widget = forms.TextInput

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = {"inputmode": "decimal", "autocomplete": "off", "maxlength": "30", "size": "12"}
        return {**super().widget_attrs(widget), **attrs}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = _SPACES.sub("", str(value)).replace(",", ".").replace("\u2212", "-")
        if not text:
            return None
        if not _AMOUNT.fullmatch(text):
            raise ValidationError(_("Enter an amount in kroner, such as 1 234,50."), code="invalid")
        amount = Decimal(text)
        if not amount_in_range(int(amount * 100)):
            raise ValidationError(
                _("The largest amount accepted is %(max)s.") % {"max": format_money(MAX_AMOUNT_ORE)}
            )
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(_("Enter the amount to the øre: at most two decimals."))
        if amount < 0 and not self.allow_negative:
            raise ValidationError(_("Enter an amount above 0."))
        if amount == 0:
            raise ValidationError(_("Enter an amount other than 0."))
        return int(amount * 100)


class PaymentForm(forms.Form):
    """A payment entered by hand on an issued invoice."""

    amount = KronerField(
        label=_("Amount (kr)"),
        allow_negative=True,
        help_text=_("Negative to take money out (a refund, a double payment); needs a note."),
    )
    date = forms.DateField(label=_("Payment date"), input_formats=DATE_INPUT_FORMATS)
    method = forms.ChoiceField(
        label=_("Method"), choices=[(m.value, m.label) for m in MANUAL_METHODS]
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    # The service's field names → this form's.
    SERVICE_FIELDS = {"amount_ore": "amount", "date": "date", "method": "method", "note": "note"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["date"].initial = timezone.localdate
        self.fields["method"].initial = PaymentMethod.BANK


def add_service_errors(form: forms.Form, exc: ValidationError, fields: dict) -> None:
    """Put a service's refusal on the form: next to the field it names, else on the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        form.add_error(fields.get(key), messages)


class WriteOffForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bank file"),
        help_text=_("A Nets OCR giro file or a camt.054 notification (XML), as the bank sent it."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)s MB; no bank file is that large.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


def _issued_invoice_by_number(value: int) -> Invoice:
    invoice = (
        Invoice.objects.filter(number=value, status=InvoiceStatus.ISSUED)
        .select_related("customer")
        .first()
    )
    if invoice is None:
        raise ValidationError(_("There is no issued invoice number %(n)s.") % {"n": value})
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValidationError(
            _("Number %(n)s is a credit note; payments go on invoices.") % {"n": value}
        )
    return invoice


class AssignForm(forms.Form):
    """Whose an unmatched payment is: an invoice (by its number), or a customer (by number) as
    the customer's credit. Exactly one of the two."""

    invoice_number = forms.IntegerField(
        label=_("Invoice number"), required=False, min_value=1, max_value=2**31 - 1
    )
    customer_number = forms.IntegerField(
        label=_("or customer number (as credit)"),
        required=False,
        min_value=1,
        max_value=2**31 - 1,
    )

    def clean_invoice_number(self):
        number = self.cleaned_data["invoice_number"]
        self.invoice = _issued_invoice_by_number(number) if number else None
        return number

    def clean_customer_number(self):
        number = self.cleaned_data["customer_number"]
        self.customer = None
        if number:
            self.customer = Customer.objects.filter(number=number).first()
            if self.customer is None:
                raise ValidationError(_("There is no customer number %(n)s.") % {"n": number})
        return number

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if bool(data.get("invoice_number")) == bool(data.get("customer_number")):
            raise ValidationError(_("Enter either an invoice number or a customer number."))
        return data


class CreditApplyForm(forms.Form):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none())
    amount = KronerField(label=_("Amount (kr)"))

    def __init__(self, *args, customer, choices=(), **kwargs):
        """`choices`: (invoice id, label) of the customer's open invoices, for the select."""
        super().__init__(*args, **kwargs)
        self.fields["invoice"].queryset = Invoice.objects.filter(
            customer=customer, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE
        )
        self.fields["invoice"].choices = [("", "---------"), *choices]


class CreditRefundForm(forms.Form):
    amount = KronerField(label=_("Amount (kr)"))
    note = forms.CharField(
        label=_("How and where it was paid back"),
        max_length=500,
        help_text=_("The money itself is sent from the bank or the accounting system."),
    )
