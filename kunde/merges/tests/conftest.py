import hashlib
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone


@pytest.fixture
def kid_company(company):
    """KIDs of 5 customer digits + invoice digits: a KID names the customer's number."""
    company.kid_customer_digits = 5
    company.save()
    return company


@pytest.fixture
def survivor(customer):
    return customer


@pytest.fixture
def duplicate(customer, manager):
    from kunde.customers.services import customer_create

    return customer_create(
        actor=manager,
        data={
            "name": "Fjellheim Konsult A/S",
            "organization_number": "923609016",
            "email": "",
            "phone": "+47 22 33 44 55",
            "postal_street": "Gamleveien 9",
            "postal_postcode": "0150",
            "postal_city": "Oslo",
        },
        allow_duplicate_organization=True,
    )


@pytest.fixture
def issued(kid_company, duplicate, finance):
    """An issued invoice of the duplicate, with its stored PDF."""
    from kunde.invoices import services
    from kunde.invoices.tests.helpers import issue_with_pdf

    draft = services.invoice_draft_create(
        actor=finance,
        customer=duplicate,
        lines=[{"description": "Rådgivning", "quantity": "2", "unit_price_ore": 100000}],
    )
    return issue_with_pdf(actor=finance, invoice=draft)


@pytest.fixture
def everything(duplicate, survivor, issued, manager, finance):
    """The duplicate has a row of every kind; the survivor has a clashing primary contact,
    customer options, an EHF receiver and a shared tag."""
    from kunde.customers.models import Contact, Note, Tag
    from kunde.ehf.models import EhfReceiver
    from kunde.files.models import CustomerFile
    from kunde.invoices.models import HourlyRate, InvoiceOptions
    from kunde.payments.services import payment_register
    from kunde.projects.models import Project, TimeEntry

    shared, own = Tag.objects.create(name="Oslo"), Tag.objects.create(name="Import")
    survivor.tags.add(shared)
    duplicate.tags.add(shared, own)
    Contact.objects.create(customer=survivor, name="Siri", email="siri@f.no", is_primary=True)
    Contact.objects.create(customer=duplicate, name="Per", email="per@f.no", is_primary=True)
    Contact.objects.create(customer=duplicate, name="Kari")
    Note.objects.create(customer=duplicate, author=manager, text="Ring før levering")
    project = Project.objects.create(
        number=2001, name="Ny nettside", customer=duplicate, manager=manager
    )
    TimeEntry.objects.create(
        project=project,
        employee=manager,
        date=date(2026, 10, 1),
        minutes=60,
        sales_rate_ore=100000,
    )
    HourlyRate.objects.create(
        customer=duplicate, employee=manager, rate_ore=110000, valid_from=date(2026, 1, 1)
    )
    InvoiceOptions.objects.create(level="customer", customer=survivor)
    InvoiceOptions.objects.create(level="customer", customer=duplicate)
    now = timezone.now()
    for customer in (survivor, duplicate):
        EhfReceiver.objects.create(
            customer=customer, organization_number="923609016", can_receive=True, checked_at=now
        )
    data = b"%PDF-1.4 kontrakt"
    stored = ContentFile(data, name="kontrakt.pdf")
    CustomerFile.objects.create(
        customer=duplicate,
        file=stored,
        name="kontrakt.pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_type="application/pdf",
        uploaded_by=manager,
        uploaded_at=now,
    )
    payment_register(actor=finance, invoice=issued, amount_ore=50000, date=date(2026, 11, 1))
    return duplicate


@pytest.fixture
def token_for(db):
    from kunde.accounts.models import ApiToken

    def issue(user):
        _token, key = ApiToken.issue(user=user, name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return issue
