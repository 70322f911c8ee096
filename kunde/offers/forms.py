"""The compose/edit form of an offer (header and a formset of lines), the registered answer
and the public acceptance form."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kunde.customers.models import Contact
from kunde.lib.money import kroner_to_ore
from kunde.offers.models import LineKind, Offer
from kunde.offers.services import HEADER_FIELDS

VAT_CHOICES = [
    ("S:25", _("25 %")),
    ("S:15", _("15 %")),
    ("S:12", _("12 %")),
    ("Z:0", _("0 % (zero-rated)")),
    ("E:0", _("0 % (exempt)")),
    ("O:0", _("Outside the scope of VAT")),
]


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = HEADER_FIELDS
        widgets = {
            "issue_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "intro_text": forms.Textarea(attrs={"rows": 3}),
            "closing_text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer)
        self.fields["discount_percent"].required = False


class LineForm(forms.Form):
    section = forms.CharField(label=_("Section"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=LineKind.choices)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity / hours"), max_digits=12, decimal_places=3, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False)
    unit_price = forms.DecimalField(
        label=_("Price (kr)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty on an hourly line: the customer's agreed rate."),
    )
    discount_percent = forms.DecimalField(
        label=_("Discount %"), max_digits=5, decimal_places=2, required=False
    )
    vat = forms.ChoiceField(label=_("VAT"), choices=VAT_CHOICES, initial="S:25")
    optional = forms.BooleanField(label=_("Optional"), required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("description") or data.get("quantity") or data.get("unit_price"))

    def as_line(self) -> dict:
        data = self.cleaned_data
        category, rate = data["vat"].split(":")
        price = data.get("unit_price")
        return {
            "section": data.get("section", ""),
            "kind": data["kind"],
            "description": data.get("description", ""),
            "quantity": data.get("quantity") if data.get("quantity") is not None else "",
            "unit": data.get("unit", ""),
            "unit_price_ore": kroner_to_ore(price) if price is not None else None,
            "discount_percent": data.get("discount_percent"),
            "vat_category": category,
            "vat_rate": int(rate),
            "optional": data.get("optional", False),
        }


LineFormSet = forms.formset_factory(LineForm, extra=3, max_num=200)


def line_initial(line) -> dict:
    return {
        "section": line.section,
        "kind": line.kind,
        "description": line.description,
        "quantity": line.quantity.normalize() if line.quantity else line.quantity,
        "unit": line.unit,
        "unit_price": (Decimal(line.unit_price_ore) / 100).quantize(Decimal("0.01")),
        "discount_percent": line.discount_percent or None,
        "vat": f"{line.vat_category}:{line.vat_rate}",
        "optional": line.optional,
    }


class AnswerForm(forms.Form):
    """Accepting (registered by a user, or on the public page) or rejecting."""

    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    confirmed = forms.BooleanField(
        label=_("I accept the offer on behalf of the customer"), required=False
    )
    chosen = forms.MultipleChoiceField(label=_("Options"), required=False, choices=())
    comment = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, optional_lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chosen"].choices = [
            (str(line.pk), line.description) for line in optional_lines
        ]
