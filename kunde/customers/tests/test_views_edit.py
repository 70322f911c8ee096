import pytest

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Customer
from kunde.lib.brreg import RegisterAddress, RegisterEntity, RegisterUnavailable


def _form_data(customer=None, **changes):
    data = {
        "name": "Nordlys Design AS",
        "kind": "company",
        "status": "active",
        "country": "NO",
        "postal_country": "NO",
        "language": "nb",
        "currency": "NOK",
        "invoice_delivery": "email",
    }
    if customer is not None:
        data.update(
            {
                "number": customer.number,
                "name": customer.name,
                "organization_number": customer.organization_number,
                "email": customer.email,
                "postal_street": customer.postal_street,
                "postal_postcode": customer.postal_postcode,
                "postal_city": customer.postal_city,
                "account_manager": customer.account_manager_id or "",
                "version": customer.version,
            }
        )
    data.update(changes)
    return data


def test_an_account_manager_creates_a_customer_with_the_next_number(client_for, manager):
    response = client_for(manager).post(
        "/customers/new/", _form_data(organization_number="923 609 016")
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert (customer.number, customer.organization_number) == (10000, "923609016")


def test_a_reader_may_not_create_or_edit(client_for, reader, customer):
    client = client_for(reader)
    assert client.get("/customers/new/").status_code == 403
    assert client.post("/customers/new/", _form_data()).status_code == 403
    assert (
        client.post(f"/customers/{customer.pk}/edit/", _form_data(customer, name="X")).status_code
        == 403
    )
    assert Customer.objects.get().name == "Fjellheim Konsult AS"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("organization_number", "923609017", "Not a valid Norwegian organisation number"),
        ("bank_account", "1234.56.78901", "Not a valid Norwegian account number"),
        ("email", "post@", "Enter a valid email address"),
        ("invoice_delivery", "ehf", "EHF needs an organisation number"),
    ],
)
def test_bad_input_shows_the_reason_next_to_the_field_and_saves_nothing(
    client_for, manager, field, value, message
):
    response = client_for(manager).post("/customers/new/", _form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert "Nothing was saved" in response.content.decode()
    assert not Customer.objects.exists()


def test_a_duplicate_customer_number_is_refused(client_for, manager, customer):
    response = client_for(manager).post("/customers/new/", _form_data(number=customer.number))
    assert "number" in response.context["form"].errors
    assert Customer.objects.count() == 1


def test_the_same_organization_number_warns_first_and_saves_when_confirmed(
    client_for, manager, customer
):
    client = client_for(manager)
    data = _form_data(name="Fjellheim Kopi AS", organization_number=customer.organization_number)
    warned = client.post("/customers/new/", data)
    assert "has the same organisation number" in warned.content.decode()
    assert 'name="allow_duplicate_organization"' in warned.content.decode()
    assert Customer.objects.count() == 1
    confirmed = client.post("/customers/new/", {**data, "allow_duplicate_organization": "on"})
    assert confirmed.status_code == 302
    assert Customer.objects.filter(organization_number=customer.organization_number).count() == 2


def test_editing_saves_logs_and_returns_to_the_profile_with_the_list_context(
    client_for, manager, customer
):
    response = client_for(manager).post(
        f"/customers/{customer.pk}/edit/?q=fjell",
        _form_data(customer, phone="+47 99 88 77 66", invoice_delivery="letter"),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/?q=fjell"
    customer.refresh_from_db()
    assert (customer.phone, customer.invoice_delivery, customer.version) == (
        "+47 99 88 77 66",
        "letter",
        2,
    )
    entry = ActivityEntry.objects.get(action="customer.updated")
    assert entry.actor == manager
    assert set(entry.changes) == {"phone", "invoice_delivery"}


def test_a_stale_edit_is_refused_with_a_message(client_for, manager, finance, customer):
    form_loaded_version = customer.version
    client_for(finance).post(f"/customers/{customer.pk}/edit/", _form_data(customer, phone="111"))
    response = client_for(manager).post(
        f"/customers/{customer.pk}/edit/",
        _form_data(customer, phone="222", version=form_loaded_version),
    )
    assert response.status_code == 200
    assert "Someone else saved this customer" in response.content.decode()
    customer.refresh_from_db()
    assert customer.phone == "111"


def test_register_lookup_by_number_and_name(client_for, manager, monkeypatch):
    entity = RegisterEntity(
        organization_number="923609016",
        name="FJELLHEIM KONSULT AS",
        organization_form="AS",
        organization_form_name="Aksjeselskap",
        business_address=RegisterAddress(lines=["Storgata 1"], postcode="0155", city="OSLO"),
        postal_address=None,
        vat_registered=True,
        deleted=False,
    )
    asked = []
    monkeypatch.setattr(
        "kunde.lib.brreg.RegisterClient.get", lambda self, n: asked.append(n) or entity
    )
    monkeypatch.setattr(
        "kunde.lib.brreg.RegisterClient.search", lambda self, q: asked.append(q) or [entity]
    )
    client = client_for(manager)
    by_number = client.get("/customers/register-lookup/", {"q": "923 609 016"}).json()
    by_name = client.get("/customers/register-lookup/", {"q": "fjellheim"}).json()
    assert asked == ["923609016", "fjellheim"]
    assert (
        by_number["results"][0]["name"] == by_name["results"][0]["name"] == "FJELLHEIM KONSULT AS"
    )
    assert by_number["results"][0]["business_address"]["postcode"] == "0155"


def test_register_lookup_with_a_wrong_number_says_so_without_asking(
    client_for, manager, monkeypatch
):
    monkeypatch.setattr("kunde.lib.brreg.RegisterClient.get", lambda self, n: pytest.fail("asked"))
    answer = client_for(manager).get("/customers/register-lookup/", {"q": "923609017"}).json()
    assert answer["results"] == []
    assert "organisation number" in answer["error"]


def test_register_lookup_degrades_when_the_register_is_down(client_for, manager, monkeypatch):
    def down(self, query):
        raise RegisterUnavailable("timeout")

    monkeypatch.setattr("kunde.lib.brreg.RegisterClient.search", down)
    response = client_for(manager).get("/customers/register-lookup/", {"q": "fjellheim"})
    assert response.status_code == 503
    assert "fill in the customer by hand" in response.json()["error"]
