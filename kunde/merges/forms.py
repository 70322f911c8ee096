from django import forms
from django.utils.translation import gettext_lazy as _

from kunde.merges.services import MERGE_FIELDS, MERGED, SURVIVOR

CHOICES = [(SURVIVOR, _("Keep the survivor's")), (MERGED, _("Take the merged customer's"))]


class MergeForm(forms.Form):
    """The preview's choices: who survives, whose value each field keeps, the versions the
    user saw (a customer saved since then is refused as a stale preview)."""

    survivor = forms.IntegerField(widget=forms.HiddenInput)
    survivor_version = forms.IntegerField(widget=forms.HiddenInput)
    merged_version = forms.IntegerField(widget=forms.HiddenInput)
    primary_contact = forms.ChoiceField(choices=CHOICES, required=False)
    allow_different_organization = forms.BooleanField(
        required=False, label=_("Merge although the organisation numbers differ")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MERGE_FIELDS:
            self.fields[f"field_{name}"] = forms.ChoiceField(choices=CHOICES, required=False)

    def field_choices(self) -> dict[str, str]:
        choices = {
            name: self.cleaned_data[f"field_{name}"]
            for name in MERGE_FIELDS
            if self.cleaned_data.get(f"field_{name}")
        }
        if self.cleaned_data.get("primary_contact"):
            choices["primary_contact"] = self.cleaned_data["primary_contact"]
        return choices


class OtherCustomerForm(forms.Form):
    number = forms.IntegerField(label=_("Customer number of the duplicate"), min_value=1)


class DismissForm(forms.Form):
    first = forms.IntegerField(widget=forms.HiddenInput)
    second = forms.IntegerField(widget=forms.HiddenInput)
