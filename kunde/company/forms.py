from django import forms

from kunde.company.models import Company


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "name",
            "organization_number",
            "organization_form",
            "vat_registered",
            "street",
            "postcode",
            "city",
            "country",
            "email",
            "phone",
            "bank_account",
            "iban",
            "bic",
            "ehf_fallback_email",
            "customer_number_start",
        ]


class KidSettingsForm(forms.ModelForm):
    """How KIDs are composed, as agreed with the bank. `Company.clean()` checks that the rule
    can work; its message is the form's own (not one field's)."""

    class Meta:
        model = Company
        fields = [
            "kid_enabled",
            "kid_algorithm",
            "kid_fixed_digits",
            "kid_customer_digits",
            "kid_invoice_digits",
            "kid_document_type_digit",
            "kid_mod11_dash",
        ]
        widgets = {
            "kid_customer_digits": forms.NumberInput(attrs={"min": 0, "max": 24}),
            "kid_invoice_digits": forms.NumberInput(attrs={"min": 0, "max": 24}),
            "kid_fixed_digits": forms.TextInput(attrs={"inputmode": "numeric", "size": 10}),
        }
