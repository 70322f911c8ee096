"""Shared test set-up: named personas, one per role, instead of ad-hoc users."""

from datetime import date

import pytest
from hypothesis import HealthCheck, settings

PASSWORD = "a-long-test-password"

# Property tests assert what they check, never how fast: on a shared machine under load, the
# per-example deadline and the "input generation is slow" check fail by the clock alone (seen:
# 1.2 s to draw one OCR transmission while other suites ran). A test's own @settings still
# applies on top of this.
settings.register_profile("kunde", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kunde")


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in Norwegian leaves nb active in the thread (LocaleMiddleware activates it and
    nothing resets it), so that a later test would get Norwegian messages in random order."""
    yield
    from django.utils import translation

    translation.deactivate()


def _user(username, role, first_name, last_name):
    from kunde.accounts.models import User

    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        first_name=first_name,
        last_name=last_name,
    )


@pytest.fixture
def admin(db):
    return _user("ada", "admin", "Ada", "Admin")


@pytest.fixture
def finance(db):
    return _user("frida", "finance", "Frida", "Finans")


@pytest.fixture
def manager(db):
    return _user("mats", "account_manager", "Mats", "Kundeansvarlig")


@pytest.fixture
def reader(db):
    return _user("rolf", "read_only", "Rolf", "Leser")


@pytest.fixture
def client_for(client):
    """client_for(user) -> the test client signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def customer(db, manager):
    from kunde.customers.services import customer_create

    return customer_create(
        actor=manager,
        data={
            "name": "Fjellheim Konsult AS",
            "organization_number": "923609016",
            "email": "post@fjellheim.no",
            "postal_street": "Storgata 1",
            "postal_postcode": "0155",
            "postal_city": "Oslo",
            "account_manager": manager,
        },
    )


# Invoicing -----------------------------------------------------------------------------------


@pytest.fixture
def company(db):
    from kunde.company.models import Company

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
    from kunde.projects.models import Project

    return Project.objects.create(
        number=1001, name="Nytt intranett", customer=customer, manager=manager
    )


@pytest.fixture
def hours(project, manager, finance):
    """Approved billable hours: 3 h + 1.5 h by the manager at 1 200 kr, 2 h by finance at 900 kr,
    plus one unapproved and one non-billable entry that must not be invoiced."""
    from kunde.projects.models import TimeEntry

    def entry(employee, day, minutes, rate, **flags):
        return TimeEntry.objects.create(
            project=project,
            employee=employee,
            date=date(2026, 10, day),
            minutes=minutes,
            sales_rate_ore=rate,
            approved=flags.get("approved", True),
            billable=flags.get("billable", True),
        )

    made = [
        entry(manager, 1, 180, 120000),
        entry(manager, 2, 90, 120000),
        entry(finance, 2, 120, 90000),
    ]
    entry(finance, 3, 60, 90000, approved=False)
    entry(finance, 3, 60, 90000, billable=False)
    return made


@pytest.fixture
def draft(company, customer, finance):
    from kunde.invoices import services

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
