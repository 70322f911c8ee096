"""Shared test set-up: named personas, one per role, instead of ad-hoc users."""

import pytest

PASSWORD = "a-long-test-password"


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
