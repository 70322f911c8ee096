"""/api/v1/customers/<id>/contacts: list, add, change and remove a customer's contacts."""

import pytest

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Contact, Customer
from kunde.customers.services import contact_add, customer_create

JSON = "application/json"


def _contacts_url(customer):
    return f"/api/v1/customers/{customer.pk}/contacts"


def _url(contact):
    return f"/api/v1/customers/{contact.customer_id}/contacts/{contact.pk}"


def _database():
    """Everything a refused request must leave as it was."""
    return (
        list(Contact.objects.order_by("pk").values()),
        list(Customer.objects.order_by("pk").values("pk", "search_text")),
        list(ActivityEntry.objects.order_by("pk").values()),
    )


@pytest.fixture
def kari(customer, manager):
    return contact_add(
        actor=manager,
        customer=customer,
        data={"name": "Kari Nordmann", "role": "Daglig leder", "email": "kari@fjellheim.no"},
    )


# List ---------------------------------------------------------------------------------------


def test_the_contacts_are_listed_primary_first(client, token_for, reader, manager, customer, kari):
    contact_add(actor=manager, customer=customer, data={"name": "Anne Hansen"})
    response = client.get(_contacts_url(customer), **token_for(reader))
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": kari.pk,
            "name": "Kari Nordmann",
            "role": "Daglig leder",
            "email": "kari@fjellheim.no",
            "phone": "",
            "is_primary": True,
        },
        {
            "id": kari.pk + 1,
            "name": "Anne Hansen",
            "role": "",
            "email": "",
            "phone": "",
            "is_primary": False,
        },
    ]


def test_the_contacts_of_an_unknown_customer_are_404(client, token_for, reader, db):
    assert client.get("/api/v1/customers/999999/contacts", **token_for(reader)).status_code == 404


def test_listing_contacts_needs_credentials(client, wrong_token, customer):
    for headers in ({}, wrong_token):
        assert client.get(_contacts_url(customer), **headers).status_code == 401


# Add ----------------------------------------------------------------------------------------


def test_the_first_contact_becomes_the_primary_one(client, token_for, manager, customer):
    payload = {"name": "Ola Nordmann", "email": "ola@fjellheim.no", "phone": "900 00 000"}
    response = client.post(
        _contacts_url(customer), payload, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 201
    contact = Contact.objects.get()
    assert response.json() == {
        "id": contact.pk,
        "name": "Ola Nordmann",
        "role": "",
        "email": "ola@fjellheim.no",
        "phone": "900 00 000",
        "is_primary": True,
    }
    entry = ActivityEntry.objects.get(action="contact.added")
    assert (entry.customer, entry.actor) == (customer, manager)
    customer.refresh_from_db()
    assert "ola nordmann" in customer.search_text


def test_a_new_primary_contact_takes_over(client, token_for, finance, customer, kari):
    payload = {"name": "Per Hansen", "is_primary": True}
    response = client.post(
        _contacts_url(customer), payload, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 201
    assert response.json()["is_primary"] is True
    kari.refresh_from_db()
    assert kari.is_primary is False


def test_a_reader_may_not_add_a_contact(client, token_for, reader, customer):
    before = _database()
    response = client.post(
        _contacts_url(customer), {"name": "Nei"}, content_type=JSON, **token_for(reader)
    )
    assert response.status_code == 403
    assert _database() == before


def test_adding_a_contact_needs_credentials(client, wrong_token, customer):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.post(
            _contacts_url(customer), {"name": "Nei"}, content_type=JSON, **headers
        )
        assert response.status_code == 401
    assert _database() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "Ola", "email": "ola-at-fjellheim"}, "email"),
        ({"name": "Ola", "is_primary": None}, "is_primary"),
        ({"name": "Ola", "is_primary": "maybe"}, "is_primary"),
    ],
)
def test_adding_a_contact_refuses_bad_input_naming_the_field(
    client, token_for, manager, customer, kari, payload, field
):
    before = _database()
    response = client.post(
        _contacts_url(customer), payload, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before


# Change -------------------------------------------------------------------------------------


def test_a_contact_is_changed_and_logged(client, token_for, admin, customer, kari):
    payload = {"role": "Styreleder", "phone": "22 00 00 00"}
    response = client.patch(_url(kari), payload, content_type=JSON, **token_for(admin))
    assert response.status_code == 200
    assert response.json() == {
        "id": kari.pk,
        "name": "Kari Nordmann",
        "role": "Styreleder",
        "email": "kari@fjellheim.no",
        "phone": "22 00 00 00",
        "is_primary": True,
    }
    kari.refresh_from_db()
    assert (kari.role, kari.phone) == ("Styreleder", "22 00 00 00")
    entry = ActivityEntry.objects.get(action="contact.updated")
    assert entry.actor == admin
    assert entry.changes["role"]["old"] == "Daglig leder"
    assert entry.changes["role"]["new"] == "Styreleder"
    assert set(entry.changes) == {"role", "phone"}


def test_a_reader_may_not_change_a_contact(client, token_for, reader, kari):
    before = _database()
    response = client.patch(_url(kari), {"name": "Nei"}, content_type=JSON, **token_for(reader))
    assert response.status_code == 403
    assert _database() == before


def test_changing_a_contact_needs_credentials(client, wrong_token, kari):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.patch(_url(kari), {"name": "Nei"}, content_type=JSON, **headers)
        assert response.status_code == 401
    assert _database() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": ""}, "name"),
        ({"email": "kari@"}, "email"),
        ({"is_primary": None}, "is_primary"),
    ],
)
def test_changing_a_contact_refuses_bad_input_naming_the_field(
    client, token_for, manager, kari, payload, field
):
    before = _database()
    response = client.patch(_url(kari), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before


def test_a_contact_is_reached_only_through_its_customer(client, token_for, manager, kari):
    stranger = customer_create(actor=manager, data={"name": "Fremmed AS"})
    url = f"/api/v1/customers/{stranger.pk}/contacts/{kari.pk}"
    before = _database()
    response = client.patch(url, {"name": "Nei"}, content_type=JSON, **token_for(manager))
    assert response.status_code == 404
    assert client.delete(url, **token_for(manager)).status_code == 404
    assert _database() == before


# Remove -------------------------------------------------------------------------------------


def test_a_contact_is_removed_and_logged(client, token_for, manager, customer, kari):
    response = client.delete(_url(kari), **token_for(manager))
    assert response.status_code == 204
    assert response.content == b""
    assert not Contact.objects.exists()
    entry = ActivityEntry.objects.get(action="contact.removed")
    assert (entry.customer, entry.actor) == (customer, manager)
    customer.refresh_from_db()
    assert "kari" not in customer.search_text


def test_a_reader_may_not_remove_a_contact(client, token_for, reader, kari):
    before = _database()
    assert client.delete(_url(kari), **token_for(reader)).status_code == 403
    assert _database() == before


def test_removing_a_contact_needs_credentials(client, wrong_token, kari):
    before = _database()
    for headers in ({}, wrong_token):
        assert client.delete(_url(kari), **headers).status_code == 401
    assert _database() == before
