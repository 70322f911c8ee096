from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy


class IdListField(forms.Field):
    """Several database ids from a repeated parameter (checkboxes or hidden inputs)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Choose at least one document."),
        "invalid": gettext_lazy("The list of documents is not valid; open this page again."),
    }

    def to_python(self, value):
        if not value:
            return []
        try:
            ids = sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(not 0 < i < 2**63 for i in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return ids
