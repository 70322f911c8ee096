from django.db import transaction

from kunde.activity.services import field_changes
from kunde.company.models import Company, CompanyArea, CompanyChange


def company_update(*, actor, data: dict, area: str = CompanyArea.DATA) -> Company:
    """Change our company's data or KID setting (administrators only; the view checks the
    role). The change is logged (`company_change_log`) when a value differs."""
    with transaction.atomic():
        company = Company.objects.select_for_update().get(pk=Company.load().pk)
        before = {name: getattr(company, name) for name in data}
        for field, value in data.items():
            setattr(company, field, value)
        company.full_clean()
        after = {name: getattr(company, name) for name in data}
        # Raw values: the history words them (labels, choices) in the reader's language.
        changes = field_changes(before, after)
        if changes:
            company.save()
            company_change_log(actor=actor, area=area, changes=changes)
    return company


def company_change_log(*, actor, area: str, changes: dict) -> CompanyChange:
    return CompanyChange.objects.create(actor=actor, area=area, changes=changes)
