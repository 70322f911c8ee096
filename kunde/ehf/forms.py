import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

_CURRENCY = re.compile(r"[A-Z]{3}")


class NokRateForm(forms.Form):
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("Three letters, e.g. EUR, USD, SEK.")
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    nok = forms.DecimalField(
        label=_("NOK per unit"),
        max_digits=12,
        decimal_places=6,
        min_value=Decimal("0.000001"),
        help_text=_("Norges Bank's rate of the day, e.g. 11.53 for one euro."),
    )

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not _CURRENCY.fullmatch(currency):
            raise forms.ValidationError(_("A currency code is three letters, e.g. EUR."))
        if currency == "NOK":
            raise forms.ValidationError(_("NOK needs no exchange rate."))
        return currency
