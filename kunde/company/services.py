from kunde.company.models import Company


def company_update(*, actor, data: dict) -> Company:
    """Change our company's data (administrators only; the view checks the role)."""
    company = Company.load()
    for field, value in data.items():
        setattr(company, field, value)
    company.full_clean()
    company.save()
    return company
