from datetime import date

import pytest

from kunde.company.models import Company
from kunde.invoices import services
from kunde.projects.models import Project, TimeEntry


@pytest.fixture
def company(db):
    company = Company.load()
    company.name = "Fjordvik Rådgivning AS"
    company.organization_number = "923609016"
    company.organization_form = "AS"
    company.bank_account = "86011117947"
    company.street, company.postcode, company.city = "Kirkegata 1", "0153", "Oslo"
    company.save()
    return company


@pytest.fixture
def project(customer, manager):
    return Project.objects.create(
        number=1001, name="Nytt intranett", customer=customer, manager=manager
    )


@pytest.fixture
def hours(project, manager, finance):
    """Approved billable hours: 3 h + 1.5 h by the manager at 1 200 kr, 2 h by finance at 900 kr,
    plus one unapproved and one non-billable entry that must not be invoiced."""
    made = [
        TimeEntry.objects.create(
            project=project,
            employee=manager,
            date=date(2026, 10, 1),
            minutes=180,
            approved=True,
            sales_rate_ore=120000,
        ),
        TimeEntry.objects.create(
            project=project,
            employee=manager,
            date=date(2026, 10, 2),
            minutes=90,
            approved=True,
            sales_rate_ore=120000,
        ),
        TimeEntry.objects.create(
            project=project,
            employee=finance,
            date=date(2026, 10, 2),
            minutes=120,
            approved=True,
            sales_rate_ore=90000,
        ),
    ]
    TimeEntry.objects.create(
        project=project,
        employee=finance,
        date=date(2026, 10, 3),
        minutes=60,
        approved=False,
        sales_rate_ore=90000,
    )
    TimeEntry.objects.create(
        project=project,
        employee=finance,
        date=date(2026, 10, 3),
        minutes=60,
        approved=True,
        billable=False,
        sales_rate_ore=90000,
    )
    return made


@pytest.fixture
def draft(company, customer, finance):
    return services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[
            {
                "description": "Rådgivning",
                "quantity": "10",
                "unit": "timer",
                "unit_price_ore": 125000,
            },
            {
                "description": "Reise",
                "quantity": "1",
                "unit_price_ore": 50000,
                "vat_rate": 12,
                "vat_category": "S",
            },
        ],
    )
