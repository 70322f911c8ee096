"""/api/v1/customers: list, read, create and update."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Customer, Tag
from kunde.customers.services import customer_create

JSON = "application/json"
LIST = "/api/v1/customers"


def _url(customer):
    return f"/api/v1/customers/{customer.pk}"


def _create(actor, name, tags=(), **data):
    return customer_create(actor=actor, data={"name": name, **data}, tags=tags)


def _database():
    """Everything a refused request must leave as it was."""
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Customer.tags.through.objects.order_by("pk").values()),
        list(ActivityEntry.objects.order_by("pk").values()),
    )


@pytest.fixture
def vip(db):
    return Tag.objects.create(name="VIP")


@pytest.fixture
def public(db):
    return Tag.objects.create(name="Offentlig")


# List ---------------------------------------------------------------------------------------


def test_the_list_answers_a_page_of_customers(client, token_for, reader, customer, vip):
    customer.tags.add(vip)
    response = client.get(LIST, **token_for(reader))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (1, 1, 1)
    [row] = body["results"]
    assert row["id"] == customer.pk
    assert row["number"] == customer.number
    assert row["name"] == "Fjellheim Konsult AS"
    assert row["organization_number"] == "923609016"
    assert row["tags"] == ["VIP"]
    assert row["account_manager"] == customer.account_manager_id
    assert row["version"] == 1


def test_the_list_searches_with_q(client, token_for, reader, manager, customer):
    _create(manager, "Havbris Regnskap AS")
    response = client.get(LIST, {"q": "havbris"}, **token_for(reader))
    assert [row["name"] for row in response.json()["results"]] == ["Havbris Regnskap AS"]


def test_the_list_filters_by_status(client, token_for, reader, manager, customer):
    _create(manager, "Sovende AS", status="inactive")
    response = client.get(LIST, {"status": "inactive"}, **token_for(reader))
    assert [row["name"] for row in response.json()["results"]] == ["Sovende AS"]


def test_the_list_filters_by_tag(client, token_for, reader, manager, customer, vip):
    _create(manager, "Viktig AS", tags=[vip])
    response = client.get(LIST, {"tag": vip.pk}, **token_for(reader))
    assert [row["name"] for row in response.json()["results"]] == ["Viktig AS"]


def test_the_list_filters_by_account_manager(client, token_for, reader, admin, manager, customer):
    _create(admin, "Adas Kunde AS", account_manager=admin)
    response = client.get(LIST, {"manager": admin.pk}, **token_for(reader))
    assert [row["name"] for row in response.json()["results"]] == ["Adas Kunde AS"]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Alfa AS", "bravo AS", "Charlie AS"]),
        ("-name", ["Charlie AS", "bravo AS", "Alfa AS"]),
        ("number", ["Charlie AS", "Alfa AS", "bravo AS"]),
        ("-number", ["bravo AS", "Alfa AS", "Charlie AS"]),
        ("newest", ["bravo AS", "Alfa AS", "Charlie AS"]),
    ],
)
def test_the_list_sorts(client, token_for, reader, manager, sort, expected):
    for name in ("Charlie AS", "Alfa AS", "bravo AS"):
        _create(manager, name)
    response = client.get(LIST, {"sort": sort}, **token_for(reader))
    assert [row["name"] for row in response.json()["results"]] == expected


def test_the_list_pages(client, token_for, reader, manager):
    for i in range(5):
        _create(manager, f"Kunde {i} AS")
    headers = token_for(reader)
    body = client.get(LIST, {"page_size": 2, "page": 2, "sort": "number"}, **headers).json()
    assert (body["count"], body["page"], body["pages"]) == (5, 2, 3)
    assert [row["name"] for row in body["results"]] == ["Kunde 2 AS", "Kunde 3 AS"]
    # A page after the last one answers the last page.
    body = client.get(LIST, {"page_size": 2, "page": 9, "sort": "number"}, **headers).json()
    assert body["page"] == 3
    assert [row["name"] for row in body["results"]] == ["Kunde 4 AS"]


def test_the_list_has_fifty_per_page_by_default_and_allows_two_hundred(
    client, token_for, reader, customer
):
    headers = token_for(reader)
    assert client.get(LIST, **headers).json()["pages"] == 1
    assert client.get(LIST, {"page_size": 200}, **headers).status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 201}, "page_size"),
        ({"page": 0}, "page"),
        ({"page": "two"}, "page"),
        ({"sort": "colour"}, "sort"),
        ({"status": "sleeping"}, "status"),
        ({"tag": "VIP"}, "tag"),
    ],
)
def test_the_list_refuses_bad_parameters_naming_them(
    client, token_for, reader, customer, query, field
):
    response = client.get(LIST, query, **token_for(reader))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_the_list_needs_credentials(client, wrong_token, customer):
    for headers in ({}, wrong_token):
        response = client.get(LIST, **headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "Sign in or send an API token."}


def _count_list_queries(client, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, **headers)
    assert response.status_code == 200
    return len(queries)


def test_the_list_query_count_does_not_grow_with_the_customers(
    client, token_for, reader, manager, vip, public
):
    headers = token_for(reader)
    for i in range(5):
        _create(manager, f"Kunde {i} AS", tags=[vip, public], account_manager=manager)
    with_five = _count_list_queries(client, headers)
    for i in range(5, 30):
        _create(manager, f"Kunde {i} AS", tags=[vip, public], account_manager=manager)
    assert _count_list_queries(client, headers) == with_five


def test_the_list_needs_four_queries(
    client, token_for, reader, manager, vip, django_assert_num_queries
):
    for i in range(30):
        _create(manager, f"Kunde {i} AS", tags=[vip], account_manager=manager)
    headers = token_for(reader)
    # The token with its user, the count, the page, the page's tags.
    with django_assert_num_queries(4):
        response = client.get(LIST, **headers)
    assert len(response.json()["results"]) == 30


# Read ---------------------------------------------------------------------------------------


def test_a_customer_is_read_with_its_version_as_etag(client, token_for, reader, customer, vip):
    customer.tags.add(vip)
    response = client.get(_url(customer), **token_for(reader))
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'
    body = response.json()
    assert body["id"] == customer.pk
    assert body["name"] == "Fjellheim Konsult AS"
    assert body["email"] == "post@fjellheim.no"
    assert body["postal_city"] == "Oslo"
    assert body["tags"] == ["VIP"]
    assert body["account_manager"] == customer.account_manager_id
    assert body["invoice_delivery"] == "email"
    assert body["version"] == 1


def test_a_customer_is_read_in_three_queries(
    client, token_for, reader, customer, vip, django_assert_num_queries
):
    customer.tags.add(vip)
    headers = token_for(reader)
    # The token with its user, the customer, its tags.
    with django_assert_num_queries(3):
        assert client.get(_url(customer), **headers).status_code == 200


def test_an_unknown_customer_is_404(client, token_for, reader, customer):
    response = client.get("/api/v1/customers/999999", **token_for(reader))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_reading_a_customer_needs_credentials(client, wrong_token, customer):
    for headers in ({}, wrong_token):
        assert client.get(_url(customer), **headers).status_code == 401


# Create -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "finance", "manager"])
def test_editors_create_a_customer(client, token_for, request, persona, vip):
    user = request.getfixturevalue(persona)
    payload = {
        "name": "Nordlys Design AS",
        "organization_number": "987 654 325",
        "email": "post@nordlys.no",
        "bank_account": "8601.11.17947",
        "tags": ["VIP"],
        "account_manager": user.pk,
    }
    response = client.post(LIST, payload, content_type=JSON, **token_for(user))
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get()
    assert body["id"] == customer.pk
    assert body["number"] == customer.number == 10000
    assert body["name"] == "Nordlys Design AS"
    assert body["organization_number"] == "987654325"
    assert body["bank_account"] == "86011117947"
    assert body["tags"] == ["VIP"]
    assert body["account_manager"] == user.pk
    entry = ActivityEntry.objects.get(customer=customer)
    assert (entry.action, entry.actor) == ("customer.created", user)


def test_a_customer_is_created_with_a_session(client_for, manager):
    response = client_for(manager).post(LIST, {"name": "Økt AS"}, content_type=JSON)
    assert response.status_code == 201
    assert Customer.objects.get().name == "Økt AS"


def test_a_reader_may_not_create_a_customer(client, token_for, reader):
    response = client.post(LIST, {"name": "Nei AS"}, content_type=JSON, **token_for(reader))
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Customer.objects.exists()


def test_creating_needs_credentials(client, wrong_token, db):
    for headers in ({}, wrong_token):
        response = client.post(LIST, {"name": "Nei AS"}, content_type=JSON, **headers)
        assert response.status_code == 401
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X AS", "organization_number": "123456789"}, "organization_number"),
        ({"name": "X AS", "bank_account": "12345678901"}, "bank_account"),
        ({"name": "X AS", "email": "post-at-x.no"}, "email"),
        ({"name": "X AS", "invoice_delivery": "ehf"}, "invoice_delivery"),
        ({"name": "X AS", "tags": ["VIP", "Ukjent"]}, "tags"),
        ({"name": "X AS", "account_manager": 999999}, "account_manager"),
        ({"name": "X AS", "status": "sleeping"}, "status"),
        ({"name": "X AS", "number": "ten"}, "number"),
        ({"name": "X AS", "tags": "VIP"}, "tags"),
    ],
)
def test_creating_refuses_bad_input_naming_the_field(
    client, token_for, manager, customer, vip, payload, field
):
    headers = token_for(manager)
    before = _database()
    response = client.post(LIST, payload, content_type=JSON, **headers)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before


def test_a_reader_may_not_be_account_manager(client, token_for, manager, reader):
    payload = {"name": "X AS", "account_manager": reader.pk}
    response = client.post(LIST, payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert "account_manager" in response.json()["errors"]
    assert not Customer.objects.exists()


def test_a_duplicate_customer_number_is_refused(client, token_for, manager, customer):
    before = _database()
    payload = {"name": "Kopi AS", "number": customer.number}
    response = client.post(LIST, payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert "number" in response.json()["errors"]
    assert _database() == before


def test_a_duplicate_organization_number_needs_confirmation(client, token_for, manager, customer):
    headers = token_for(manager)
    payload = {"name": "Fjellheim Konsult (avd. Bergen)", "organization_number": "923609016"}
    before = _database()
    response = client.post(LIST, payload, content_type=JSON, **headers)
    assert response.status_code == 422
    assert "organization_number" in response.json()["errors"]
    assert _database() == before

    payload["confirm_duplicate"] = True
    response = client.post(LIST, payload, content_type=JSON, **headers)
    assert response.status_code == 201
    assert Customer.objects.filter(organization_number="923609016").count() == 2


# Update -------------------------------------------------------------------------------------


def test_an_edit_is_saved_logged_and_bumps_the_version(client, token_for, finance, customer):
    payload = {"name": "Fjellheim Rådgivning AS", "postal_city": "Bergen", "version": 1}
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(finance))
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert (body["name"], body["postal_city"], body["version"]) == (
        "Fjellheim Rådgivning AS",
        "Bergen",
        2,
    )
    customer.refresh_from_db()
    assert (customer.name, customer.postal_city, customer.version) == (
        "Fjellheim Rådgivning AS",
        "Bergen",
        2,
    )
    entry = ActivityEntry.objects.get(customer=customer, action="customer.updated")
    assert entry.actor == finance
    assert set(entry.changes) == {"name", "postal_city"}
    assert entry.changes["name"]["old"] == "Fjellheim Konsult AS"
    assert entry.changes["name"]["new"] == "Fjellheim Rådgivning AS"
    assert entry.changes["postal_city"]["old"] == "Oslo"
    assert entry.changes["postal_city"]["new"] == "Bergen"
    assert entry.shown_changes["name"]["label"] == "name"


def test_an_edit_without_version_is_saved(client, token_for, manager, customer):
    response = client.patch(
        _url(customer), {"phone": "22 33 44 55"}, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.phone == "22 33 44 55"


def test_an_edit_that_changes_nothing_keeps_the_version(client, token_for, manager, customer):
    payload = {"name": customer.name, "version": 1}
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert not ActivityEntry.objects.filter(action="customer.updated").exists()


def test_null_empties_a_text_field(client, token_for, manager, customer):
    response = client.patch(
        _url(customer), {"email": None}, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.email == ""


def test_tags_and_account_manager_are_replaced_and_logged(
    client, token_for, admin, manager, customer, vip, public
):
    customer.tags.add(vip)
    payload = {"tags": ["Offentlig"], "account_manager": admin.pk}
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(admin))
    assert response.status_code == 200
    assert response.json()["tags"] == ["Offentlig"]
    assert response.json()["account_manager"] == admin.pk
    assert list(customer.tags.all()) == [public]
    entry = ActivityEntry.objects.get(customer=customer, action="customer.updated")
    assert entry.shown_changes["tags"]["old"] == "VIP"
    assert entry.shown_changes["tags"]["new"] == "Offentlig"
    assert entry.changes["account_manager"]["old"] == str(manager)
    assert entry.changes["account_manager"]["new"] == str(admin)


def test_a_stale_version_is_409_and_changes_nothing(client, token_for, manager, admin, customer):
    # Someone else saves after our client read version 1.
    client.patch(_url(customer), {"phone": "1"}, content_type=JSON, **token_for(admin))
    before = _database()
    payload = {"name": "Overskrevet AS", "version": 1}
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 409
    assert "detail" in response.json()
    assert _database() == before


def test_if_match_carries_the_version(client, token_for, manager, customer):
    headers = token_for(manager)
    etag = client.get(_url(customer), **headers).headers["ETag"]
    response = client.patch(
        _url(customer), {"name": "Første AS"}, content_type=JSON, HTTP_IF_MATCH=etag, **headers
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"2"'

    before = _database()
    response = client.patch(
        _url(customer), {"name": "Andre AS"}, content_type=JSON, HTTP_IF_MATCH=etag, **headers
    )
    assert response.status_code == 409
    assert _database() == before


def test_a_malformed_if_match_is_refused(client, token_for, manager, customer):
    before = _database()
    response = client.patch(
        _url(customer),
        {"name": "Andre AS"},
        content_type=JSON,
        HTTP_IF_MATCH='"abc"',
        **token_for(manager),
    )
    assert response.status_code == 422
    assert "version" in response.json()["errors"]
    assert _database() == before


def test_a_reader_may_not_edit(client, token_for, reader, customer):
    before = _database()
    response = client.patch(
        _url(customer), {"name": "Nei AS"}, content_type=JSON, **token_for(reader)
    )
    assert response.status_code == 403
    assert _database() == before


def test_editing_needs_credentials(client, wrong_token, customer):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.patch(_url(customer), {"name": "Nei AS"}, content_type=JSON, **headers)
        assert response.status_code == 401
    assert _database() == before


def test_editing_an_unknown_customer_is_404(client, token_for, manager, customer):
    response = client.patch(
        "/api/v1/customers/999999", {"name": "X"}, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 404


@pytest.fixture
def other(manager):
    return _create(manager, "Annen Kunde AS", number=20000, organization_number="812345672")


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": ""}, "name"),
        ({"organization_number": "923609017"}, "organization_number"),
        ({"organization_number": "812345672"}, "organization_number"),  # the other's
        ({"number": 20000}, "number"),  # the other's
        ({"bank_account": "12345678901"}, "bank_account"),
        ({"email": "post@"}, "email"),
        ({"invoice_email": "faktura"}, "invoice_email"),
        ({"invoice_delivery": "ehf", "organization_number": ""}, "invoice_delivery"),
        ({"tags": ["Ukjent"]}, "tags"),
        ({"account_manager": 999999}, "account_manager"),
        ({"version": "one"}, "version"),
    ],
)
def test_editing_refuses_bad_input_naming_the_field(
    client, token_for, manager, customer, other, payload, field
):
    before = _database()
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before


def test_an_edit_to_a_duplicate_organization_number_needs_confirmation(
    client, token_for, manager, customer, other
):
    payload = {"organization_number": "812345672", "confirm_duplicate": True}
    response = client.patch(_url(customer), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.organization_number == "812345672"
