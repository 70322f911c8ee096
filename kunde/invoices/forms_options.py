"""Forms of the invoicing-options pages: the options of one level, and an agreed hourly rate.

The forms parse what people type (kroner, "inherit", dates) into the services' terms and apply
the services' own validators, so every mistake shows at once. The services validate again for
their other callers.
"""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kunde.accounts.models import User
from kunde.customers.models import Language
from kunde.invoices.models import HourLines, InvoiceOptions, VatTreatment
from kunde.invoices.options import EffectiveOptions
from kunde.invoices.services_options import FIELD_VALIDATORS, OPTION_FIELDS, option_display
from kunde.lib.money import kroner_to_ore, ore_to_kroner
from kunde.projects.models import Project

INHERIT = _("Use inherited value")

# Form field name -> model field name, where they differ (the fee is typed in kroner).
MODEL_NAMES = {"invoice_fee": "invoice_fee_ore"}
FORM_NAMES = {model: form for form, model in MODEL_NAMES.items()}

GROUPS = [
    (
        _("Payment terms"),
        ["credit_days", "invoice_fee", "discount_percent", "vat_treatment", "currency"],
    ),
    (
        _("References"),
        ["your_reference", "order_reference", "contract_reference", "customer_contact"],
    ),
    (
        _("Texts on the invoice"),
        ["line_above_name", "line_below_name", "invoice_text", "footer_text"],
    ),
    (
        _("Hours, language, attachments and e-mail"),
        ["hour_lines", "language", "attach_hour_specification", "email_to", "email_cc"],
    ),
]


def _label(model_name: str) -> str:
    return capfirst(InvoiceOptions._meta.get_field(model_name).verbose_name)


def _text(model_name: str, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=_label(model_name),
        required=False,
        max_length=InvoiceOptions._meta.get_field(model_name).max_length,
        validators=FIELD_VALIDATORS.get(model_name, []),
        **kwargs,
    )


class CurrencyField(forms.CharField):
    def to_python(self, value):
        return super().to_python(value).upper()


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError, names: dict[str, str]) -> None:
        """Put a service's ValidationError on the fields it names (renamed through `names`)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for name, errors in exc.message_dict.items():
            field = names.get(name, name)
            if field == NON_FIELD_ERRORS or field not in self.fields:
                field = None
            self.add_error(field, errors)


class InvoiceOptionsForm(ServiceErrorsMixin, forms.Form):
    """Every setting of one level; an empty field means "as the level above"."""

    credit_days = forms.IntegerField(
        label=_label("credit_days"),
        required=False,
        validators=FIELD_VALIDATORS["credit_days"],
        widget=forms.NumberInput(attrs={"min": 0, "max": 365}),
    )
    invoice_fee = forms.DecimalField(
        label=_("Invoice fee (kr)"),
        required=False,
        max_digits=9,
        decimal_places=2,
        localize=True,
        validators=FIELD_VALIDATORS["invoice_fee_ore"],
    )
    discount_percent = forms.DecimalField(
        label=_label("discount_percent"),
        required=False,
        max_digits=5,
        decimal_places=2,
        localize=True,
        validators=FIELD_VALIDATORS["discount_percent"],
    )
    vat_treatment = forms.ChoiceField(
        label=_label("vat_treatment"),
        required=False,
        choices=[("", INHERIT), *VatTreatment.choices],
    )
    # No max_length: a browser would cut "kroner" to "KRO" instead of the code being refused.
    currency = CurrencyField(
        label=_label("currency"),
        required=False,
        validators=FIELD_VALIDATORS["currency"],
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    your_reference = _text("your_reference")
    order_reference = _text("order_reference")
    contract_reference = _text("contract_reference")
    customer_contact = _text("customer_contact")
    line_above_name = _text("line_above_name")
    line_below_name = _text("line_below_name")
    invoice_text = _text("invoice_text", widget=forms.Textarea(attrs={"rows": 2}))
    footer_text = _text("footer_text", widget=forms.Textarea(attrs={"rows": 2}))
    language = forms.ChoiceField(
        label=_label("language"), required=False, choices=[("", INHERIT), *Language.choices]
    )
    hour_lines = forms.ChoiceField(
        label=_label("hour_lines"), required=False, choices=[("", INHERIT), *HourLines.choices]
    )
    attach_hour_specification = forms.TypedChoiceField(
        label=_label("attach_hour_specification"),
        required=False,
        choices=[("", INHERIT), ("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    email_to = _text(
        "email_to",
        help_text=_("Separate several addresses with commas."),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )
    email_cc = _text(
        "email_cc",
        help_text=_("Separate several addresses with commas."),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "off"}),
    )

    @classmethod
    def initial_from(cls, options: EffectiveOptions, level: str) -> dict:
        """The values this level sets itself (the others stay empty: inherited)."""
        initial = {}
        for name in cls.base_fields:
            model_name = MODEL_NAMES.get(name, name)
            if options.source(model_name) != level:
                continue
            value = getattr(options, model_name)
            if model_name == "invoice_fee_ore":
                value = ore_to_kroner(value)
            elif model_name == "attach_hour_specification":
                value = "yes" if value else "no"
            initial[name] = value
        return initial

    def options_data(self) -> dict:
        """The cleaned values in the services' terms: øre, None for "inherit"."""
        data = {}
        for name, value in self.cleaned_data.items():
            if name == "invoice_fee" and value is not None:
                value = kroner_to_ore(value)
            data[MODEL_NAMES.get(name, name)] = None if value == "" else value
        return data

    def add_options_errors(self, exc: ValidationError) -> None:
        self.add_service_errors(exc, FORM_NAMES)

    def submit(self, update, *, clear: str | None = None) -> bool:
        """Call `update(data)` with the form's values, or with only the setting `clear` emptied
        (a "Use inherited value" button). On refusal the reasons go on the form."""
        if clear:
            if clear not in OPTION_FIELDS:
                raise BadRequest(f"Unknown setting {clear!r}.")
            data = {clear: None}
        elif self.is_valid():
            data = self.options_data()
        else:
            return False
        try:
            update(data)
        except ValidationError as exc:
            self.add_options_errors(exc)
            return False
        return True


# What the pages show for each setting ------------------------------------------------------------

SOURCE_LABELS = {
    "built_in": _("Built-in default"),
    "company": _("From company default"),
    "customer": _("From the customer"),
    "project": _("Set for this project"),
}
OWN_LABELS = {
    "company": _("Company default"),
    "customer": _("Set for this customer"),
    "project": _("Set for this project"),
}


def source_label(source: str, level: str) -> str:
    return OWN_LABELS[level] if source == level else SOURCE_LABELS[source]


@dataclass
class SettingRow:
    name: str  # the model field
    label: str
    field: forms.BoundField | None  # None when the user may only read
    applies: str  # the value that applies now, as text
    source: str
    source_label: str
    set_here: bool
    inherited: str  # what applies when this level does not set it
    inherited_label: str


@dataclass
class SettingGroup:
    title: str
    rows: list[SettingRow]


def setting_groups(
    *,
    form: InvoiceOptionsForm | None,
    options: EffectiveOptions,
    inherited: EffectiveOptions,
    level: str,
) -> list[SettingGroup]:
    """Each setting with its form field, what applies and where that comes from."""
    groups = []
    for title, names in GROUPS:
        rows = []
        for name in names:
            model_name = MODEL_NAMES.get(name, name)
            source = options.source(model_name)
            rows.append(
                SettingRow(
                    name=model_name,
                    label=str(InvoiceOptionsForm.base_fields[name].label),
                    field=form[name] if form is not None else None,
                    applies=option_display(model_name, getattr(options, model_name)),
                    source=source,
                    source_label=source_label(source, level),
                    set_here=source == level,
                    inherited=option_display(model_name, getattr(inherited, model_name)),
                    inherited_label=source_label(inherited.source(model_name), level),
                )
            )
        groups.append(SettingGroup(title=title, rows=rows))
    return groups


# Hourly rates ----------------------------------------------------------------------------------


class HourlyRateForm(ServiceErrorsMixin, forms.Form):
    employee = forms.ModelChoiceField(
        label=_("Employee"),
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "id"),
        empty_label=_("Choose an employee"),
    )
    project = forms.ModelChoiceField(
        label=_("Only for project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("All projects"),
    )
    rate = forms.DecimalField(
        label=_("Price per hour (kr)"),
        max_digits=9,
        decimal_places=2,
        min_value=0,
        localize=True,
        widget=forms.TextInput(attrs={"size": 8, "inputmode": "decimal"}),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Empty: until further notice."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(customer=customer).order_by(
            "number"
        )

    def rate_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["rate_ore"] = kroner_to_ore(data.pop("rate"))
        return data

    def add_rate_errors(self, exc: ValidationError) -> None:
        self.add_service_errors(exc, {"rate_ore": "rate"})
