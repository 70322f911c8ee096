from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.customers import services
from kunde.projects.models import Project, TimeEntry


def test_signed_out_users_are_sent_to_the_sign_in_page(client, customer):
    for url in ["/customers/", f"/customers/{customer.pk}/", "/company/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_every_role_may_read_the_list_and_the_profile(client_for, reader, customer):
    client = client_for(reader)
    assert customer.name in client.get("/customers/").content.decode()
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert customer.name in page
    assert "923 609 016" in page
    # A reader sees no buttons for what the role may not do.
    assert f"/customers/{customer.pk}/edit/" not in page
    assert "/customers/new/" not in client.get("/customers/").content.decode()


def test_the_list_searches_and_shows_the_count(client_for, manager, customer):
    services.customer_create(actor=manager, data={"name": "Havbris Sjømat AS"})
    page = client_for(manager).get("/customers/", {"q": "havbris"}).content.decode()
    assert "Havbris Sjømat AS" in page
    assert customer.name not in page
    assert "1–1 of 1 customer" in page
    assert "of 1 customers" not in page


def test_profile_links_carry_the_list_context(client_for, manager, customer):
    services.customer_create(actor=manager, data={"name": "Fjellheim Bygg AS"})
    client = client_for(manager)
    page = client.get("/customers/", {"q": "fjellheim"}).content.decode()
    assert f'href="/customers/{customer.pk}/?q=fjellheim"' in page
    profile = client.get(f"/customers/{customer.pk}/", {"q": "fjellheim"}).content.decode()
    # "Fjellheim Konsult" comes after "Fjellheim Bygg" and is the last of the search.
    assert 'rel="prev"' in profile
    assert 'rel="next"' not in profile
    assert "This is the last customer in the list" in profile


def test_an_unknown_customer_is_404(client_for, reader, db):
    assert client_for(reader).get("/customers/999999/").status_code == 404


def test_the_profile_shows_projects_with_hours_and_value(client_for, manager, customer):
    project = Project.objects.create(number=1001, name="Nytt intranett", customer=customer)
    # 90 minutes at 1 250 kr/h (billable) + 30 minutes not billable.
    TimeEntry.objects.create(
        project=project, employee=manager, date=date(2026, 3, 2), minutes=90, sales_rate_ore=125000
    )
    TimeEntry.objects.create(
        project=project,
        employee=manager,
        date=date(2026, 3, 3),
        minutes=30,
        billable=False,
        sales_rate_ore=125000,
    )
    page = client_for(manager).get(f"/customers/{customer.pk}/").content.decode()
    assert "Nytt intranett" in page
    assert "2,00" in page  # hours
    assert "1\xa0875,00\xa0kr" in page  # 1.5 h × 1 250 kr


def _grow(customer, actor, n):
    """Give the customer n more projects with time, notes and contacts."""
    for i in range(n):
        project = Project.objects.create(
            number=Project.objects.count() + 5000, name=f"Prosjekt {i}", customer=customer
        )
        TimeEntry.objects.create(
            project=project, employee=actor, date=date(2026, 1, 1), minutes=60, sales_rate_ore=1000
        )
        services.note_add(actor=actor, customer=customer, text=f"Notat {i}")
        services.contact_add(actor=actor, customer=customer, data={"name": f"Kontakt {i}"})


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_profile_needs_the_same_queries_whatever_the_data_size(client_for, manager, customer):
    client = client_for(manager)
    url = f"/customers/{customer.pk}/?q=fjellheim"
    _grow(customer, manager, 1)
    small = _queries(client, url)
    _grow(customer, manager, 25)
    assert _queries(client, url) == small
    assert small <= 14  # session, user, customer, tags, neighbours, contacts, notes, projects, ...


def test_the_list_needs_the_same_queries_whatever_the_data_size(client_for, manager, customer):
    client = client_for(manager)
    small = _queries(client, "/customers/?q=as")
    for i in range(30):
        services.customer_create(
            actor=manager, data={"name": f"Kunde {i} AS", "account_manager": manager}
        )
    assert _queries(client, "/customers/?q=as") == small


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_interface_speaks_norwegian_and_english(client_for, reader, customer, language):
    client = client_for(reader)
    client.post("/language/", {"language": language, "next": "/customers/"})
    page = client.get("/customers/").content.decode()
    assert ("Ny kunde" in page or "Kunder" in page) if language == "nb" else "Customers" in page
