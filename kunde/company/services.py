from django.db import transaction
from django.utils.translation import gettext as _

from kunde.activity.services import field_changes
from kunde.company.models import Company, CompanyArea, CompanyChange


def company_update(*, actor, data: dict, area: str = CompanyArea.DATA) -> Company:
    """Change our company's data or KID setting (administrators only; the view checks the
    role). The change is logged (`company_change_log`) when a value differs."""
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=Company.load().pk)
        before = {name: _shown(company, name) for name in data}
        for field, value in data.items():
            setattr(company, field, value)
        company.full_clean()
        after = {name: _shown(company, name) for name in data}
        labels = {name: str(Company._meta.get_field(name).verbose_name) for name in data}
        changes = field_changes(before, after, labels)
        if changes:
            company.save()
            company_change_log(actor=actor, area=area, changes=changes)
    return company


def _shown(company: Company, name: str):
    """A field's value as the page shows it: the label of a choice, yes or no."""
    field = Company._meta.get_field(name)
    value = getattr(company, name)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def company_change_log(*, actor, area: str, changes: dict) -> CompanyChange:
    return CompanyChange.objects.create(actor=actor, area=area, changes=changes)
