from django import forms
from django.utils.translation import gettext_lazy as _

from kunde.accounts.models import Role, User
from kunde.customers.models import Contact, Customer
from kunde.customers.services import CONTACT_FIELDS, EDITABLE_FIELDS


class CustomerForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    allow_duplicate_organization = forms.BooleanField(
        label=_("Create a duplicate anyway"),
        required=False,
        help_text=_("Another customer has this organisation number."),
    )

    class Meta:
        model = Customer
        fields = [*EDITABLE_FIELDS, "tags"]
        widgets = {"tags": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Leave empty for the next number in the series.")
        self.fields["account_manager"].queryset = User.objects.filter(is_active=True).exclude(
            role=Role.READ_ONLY
        )
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def _get_validation_exclusions(self):
        # An empty number is filled from the series by the service, after validation.
        exclusions = super()._get_validation_exclusions()
        if not self.cleaned_data.get("number"):
            exclusions.add("number")
        return exclusions

    @property
    def warns_duplicate_organization(self) -> bool:
        return self.has_error("organization_number", code="duplicate_organization")

    def master_data(self) -> dict:
        data = {field: self.cleaned_data[field] for field in EDITABLE_FIELDS}
        if not data["number"]:
            data.pop("number")
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = CONTACT_FIELDS


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
