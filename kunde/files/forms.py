from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by the upload service, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [file for file in files if file]
        if not files:
            raise forms.ValidationError(_("Choose one or more files."), code="required")
        return files


class UploadForm(forms.Form):
    files = MultipleFileField(label=_("Files"))
    description = forms.CharField(label=_("Description"), max_length=500, required=False)
    bookkeeping = forms.BooleanField(
        label=_("Bookkeeping material (kept, cannot be deleted)"), required=False
    )
    keep_both = forms.BooleanField(
        label=_("Keep both when a file is already there"), required=False
    )


class FileEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description"), max_length=500, required=False, widget=forms.Textarea({"rows": 3})
    )
