"""Forms of the invoice and credit-note pages. They only read and check input; the services in
`invoices.services` decide and change."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kunde.invoices.models import Invoice
from kunde.invoices.services import HEADER_FIELDS
from kunde.lib.money import kroner_to_ore, ore_to_kroner
from kunde.projects.models import Project

# The VAT rates and EN 16931 categories a line may have, offered as one choice each.
VAT_CHOICES = [
    ("S:25", _("25 % (S)")),
    ("S:15", _("15 % (S)")),
    ("S:12", _("12 % (S)")),
    ("Z:0", _("0 % zero-rated (Z)")),
    ("E:0", _("0 % exempt (E)")),
    ("AE:0", _("0 % reverse charge (AE)")),
    ("O:0", _("0 % outside scope (O)")),
]


def vat_choice(category: str, rate: int) -> str:
    return f"{category}:{rate}"


def split_vat_choice(value: str) -> tuple[str, int]:
    category, rate = value.split(":")
    return category, int(rate)


class NumberField(forms.DecimalField):
    """A decimal typed the Norwegian way or the English way: "1 250,50", "1250.50", "1.250,50".
    Shown with the interface's decimal comma."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
        if "," in text and "." in text:
            # The separator that comes last is the decimal one; the other groups thousands.
            decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
            text = text.replace("." if decimal_mark == "," else ",", "")
        text = text.replace(",", ".").replace("\u2212", "-")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def _plain(value: Decimal) -> Decimal:
    """4.500 -> 4.5 and 10.000 -> 10, for showing a stored quantity in an input."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


# Creating -------------------------------------------------------------------------------------


class InvoiceCreateForm(forms.Form):
    HOURS, FREE = "hours", "free"

    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("(no project)"),
    )
    start = forms.ChoiceField(
        label=_("Lines"),
        choices=[
            (HOURS, _("Invoice the project's approved, not yet invoiced hours and expenses")),
            (FREE, _("Start with free lines")),
        ],
        initial=HOURS,
        widget=forms.RadioSelect,
    )
    until = forms.DateField(
        label=_("Hours and expenses up to and including"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to take everything approved so far."),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(customer=customer).order_by(
            "-number"
        )
        self.fields["project"].label_from_instance = lambda project: str(project)

    def clean(self):
        data = super().clean()
        if data.get("start") == self.HOURS and not data.get("project"):
            self.add_error("project", _("Choose the project whose hours to invoice."))
        return data


# Editing a draft ------------------------------------------------------------------------------


class DraftHeaderForm(forms.Form):
    """The header fields of a draft, as `invoice_draft_update(header=...)` takes them."""

    LABELS = {
        "line_above_name": _("Extra line above the customer name"),
        "line_below_name": _("Extra line below the customer name"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            Invoice,
            fields=HEADER_FIELDS,
            widgets={
                "delivery_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                "invoice_text": forms.Textarea(attrs={"rows": 2}),
                "footer_text": forms.Textarea(attrs={"rows": 2}),
            },
            labels=self.LABELS,
        )
        self.fields.update(fields)

    @staticmethod
    def initial_from(invoice: Invoice) -> dict:
        return {field: getattr(invoice, field) for field in HEADER_FIELDS}

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationError(_("Enter a three-letter currency code such as NOK or EUR."))
        return currency


class LineForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Description"),
        max_length=500,
        error_messages={"required": _("A line needs a description.")},
    )
    quantity = NumberField(label=_("Quantity"), max_digits=12, decimal_places=3, initial=1)
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = NumberField(label=_("Unit price (kr)"), max_digits=14, decimal_places=2)
    discount_percent = NumberField(
        label=_("Discount %"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        required=False,
        initial=0,
    )
    vat = forms.ChoiceField(label=_("VAT"), choices=VAT_CHOICES)

    # The service's names for the fields of a line, where they differ from the form's.
    SERVICE_FIELDS = {"unit_price_ore": "unit_price", "vat_rate": "vat", "vat_category": "vat"}

    def __init__(
        self,
        *args,
        default_vat: str = "S:25",
        default_discount: Decimal = Decimal(0),
        credited_signs: dict[int, int] | None = None,
        **kwargs,
    ):
        """`credited_signs`, on a credit note only: the sign of the invoiced quantity of each
        line's credited invoice line, by the credit note line's id."""
        super().__init__(*args, **kwargs)
        self.credited_signs = credited_signs
        self.fields["vat"].initial = default_vat
        self.fields["discount_percent"].initial = _plain(Decimal(default_discount))
        if credited_signs is not None:
            self.fields["quantity"].initial = -1

    @staticmethod
    def initial_from(line) -> dict:
        return {
            "id": line.pk,
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit": line.unit,
            "unit_price": ore_to_kroner(line.unit_price_ore),
            "discount_percent": _plain(line.discount_percent),
            "vat": vat_choice(line.vat_category, line.vat_rate),
        }

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if quantity == 0:
            raise ValidationError(_("The quantity must not be zero."))
        return quantity

    def clean(self):
        data = super().clean()
        quantity = data.get("quantity")
        if self.credited_signs is None or not quantity:
            return data
        # A credit note line goes against what was invoiced: a negative quantity for an
        # ordinary line (and for an amount of its own), a positive one for a discount line.
        if self.credited_signs.get(data.get("id"), 1) < 0:
            if quantity < 0:
                self.add_error(
                    "quantity",
                    _("This line credits a discount line: its quantity is positive."),
                )
        elif quantity > 0:
            self.add_error(
                "quantity",
                _("On a credit note the quantity is negative: it reduces what the customer owes."),
            )
        return data

    def service_data(self) -> dict:
        """The line as `invoice_draft_update(lines=[...])` takes it."""
        data = self.cleaned_data
        category, rate = split_vat_choice(data["vat"])
        line = {
            "description": data["description"],
            "quantity": data["quantity"],
            "unit": data["unit"],
            "unit_price_ore": kroner_to_ore(data["unit_price"]),
            "discount_percent": data["discount_percent"] or Decimal(0),
            "vat_category": category,
            "vat_rate": rate,
        }
        if data.get("id"):
            line["id"] = data["id"]
        return line


LineFormSet = forms.formset_factory(LineForm, extra=1, can_delete=True)


# Crediting ------------------------------------------------------------------------------------


class CreditForm(forms.Form):
    """One quantity field per line of the invoice (`line_<id>`), one free amount line, and
    whether fully credited hours become invoiceable again."""

    free_description = forms.CharField(label=_("Description"), max_length=500, required=False)
    free_amount = NumberField(
        label=_("Amount excl. VAT (kr)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=Decimal("0.01"),
    )
    free_vat = forms.ChoiceField(
        label=_("VAT"), choices=VAT_CHOICES, initial="S:25", required=False
    )
    reopen_hours = forms.BooleanField(
        label=_("Make the credited hours invoiceable again"),
        required=False,
        help_text=_(
            "Hours of lines credited in full become approved, not yet invoiced hours again."
        ),
    )

    def __init__(self, *args, rows, **kwargs):
        """`rows`: the invoice's lines, each with `left`, the quantity still creditable."""
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[f"line_{row.line.pk}"] = NumberField(
                label=_("Quantity to credit"),
                max_digits=12,
                decimal_places=3,
                required=False,
                initial=_plain(row.left),
            )
            row.field_name = f"line_{row.line.pk}"

    def line_fields(self):
        return [(row, self[row.field_name]) for row in self.rows]

    def clean(self):
        data = super().clean()
        if data.get("free_amount") and not data.get("free_description", "").strip():
            self.add_error("free_description", _("Say what the amount credits."))
        if data.get("free_description", "").strip() and not data.get("free_amount"):
            self.add_error("free_amount", _("Enter the amount to credit."))
        return data

    def chosen_lines(self) -> list[tuple[str, dict]]:
        """(field name, service line) for every line with something to credit, in order."""
        chosen = []
        for row in self.rows:
            quantity = self.cleaned_data.get(row.field_name)
            if quantity:
                chosen.append((row.field_name, {"line": row.line.pk, "quantity": quantity}))
        return chosen

    def free_lines(self) -> list[dict]:
        amount = self.cleaned_data.get("free_amount")
        if not amount:
            return []
        category, rate = split_vat_choice(self.cleaned_data["free_vat"] or "S:25")
        return [
            {
                "description": self.cleaned_data["free_description"].strip(),
                "quantity": 1,
                "unit_price_ore": kroner_to_ore(amount),
                "vat_category": category,
                "vat_rate": rate,
            }
        ]
