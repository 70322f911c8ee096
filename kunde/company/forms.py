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
            "customer_number_start",
        ]
