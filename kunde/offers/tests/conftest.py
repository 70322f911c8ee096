from datetime import date, timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def contact(customer):
    from kunde.customers.models import Contact

    return Contact.objects.create(
        customer=customer, name="Kari Nordmann", email="kari@fjellheim.no", is_primary=True
    )


# Two sections; one hourly, one fixed, one expense and one optional hourly line.
LINES = [
    {
        "section": "Analyse",
        "kind": "hourly",
        "description": "Workshop og analyse",
        "quantity": "10",
        "unit_price_ore": 125000,
    },
    {
        "section": "Analyse",
        "kind": "fixed",
        "description": "Rapport",
        "quantity": "1",
        "unit": "stk",
        "unit_price_ore": 2000000,
    },
    {
        "section": "Gjennomføring",
        "kind": "expense",
        "description": "Reise",
        "quantity": "1",
        "unit_price_ore": 333333,
        "vat_rate": 12,
        "vat_category": "S",
    },
    {
        "section": "Gjennomføring",
        "kind": "hourly",
        "description": "Opplæring",
        "quantity": "4.5",
        "unit_price_ore": 110000,
        "optional": True,
    },
]


@pytest.fixture
def offer(company, customer, contact, manager):
    from kunde.offers.services import offer_create

    return offer_create(
        actor=manager,
        customer=customer,
        data={"name": "Nytt intranett", "tag": "web", "customer_reference": "PO-77"},
        lines=LINES,
    )


@pytest.fixture
def sent_offer(offer, manager, mailoutbox):
    from kunde.offers.services import offer_send

    offer_send(actor=manager, offer=offer, base_url="http://testserver")
    offer.refresh_from_db()
    return offer


@pytest.fixture
def today():
    return timezone.localdate()


def days(n):
    return timezone.localdate() + timedelta(days=n)


__all__ = ["date", "days"]
