import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kunde.activity.models import ActivityEntry
from kunde.company.models import Company
from kunde.customers import services
from kunde.customers.models import Contact, Customer, Note, Tag


def _create(actor, **data):
    return services.customer_create(actor=actor, data={"name": "Test AS", **data})


def test_a_new_customer_gets_the_first_number_of_the_series(manager):
    company = Company.load()
    company.customer_number_start = 50000
    company.save()
    assert _create(manager).number == 50000
    assert _create(manager).number == 50001


def test_a_given_number_is_kept_and_the_series_continues_after_it(manager):
    assert _create(manager, number=10500).number == 10500
    assert _create(manager).number == 10501


def test_a_duplicate_customer_number_is_refused(manager, customer):
    with pytest.raises(ValidationError) as error:
        _create(manager, number=customer.number)
    assert "number" in error.value.message_dict
    assert Customer.objects.count() == 1


def test_creating_logs_the_activity(manager):
    customer = _create(manager)
    entry = ActivityEntry.objects.get(customer=customer)
    assert (entry.action, entry.actor) == ("customer.created", manager)


def test_the_organization_number_and_bank_account_are_stored_compact(manager):
    customer = _create(manager, organization_number="923 609 016", bank_account="8601.11.17947")
    assert customer.organization_number == "923609016"
    assert customer.bank_account == "86011117947"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organization_number", "923609017"),
        ("bank_account", "12345678901"),
        ("email", "not-an-address"),
        ("external_invoice_email", "post@"),
        ("vat_number", "NO999999999MVA"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(manager, field, value):
    with pytest.raises(ValidationError) as error:
        _create(manager, **{"organization_number": "923609016", field: value})
    assert field in error.value.message_dict
    assert not Customer.objects.exists()
    assert not ActivityEntry.objects.exists()


def test_ehf_needs_an_organization_number(manager):
    with pytest.raises(ValidationError) as error:
        _create(manager, invoice_delivery="ehf")
    assert "organisation number" in error.value.message_dict["invoice_delivery"][0]
    assert _create(manager, invoice_delivery="ehf", organization_number="923609016").pk


def test_the_same_organization_number_needs_a_confirmation(manager, customer):
    with pytest.raises(ValidationError) as error:
        _create(manager, organization_number=customer.organization_number)
    assert error.value.error_dict["organization_number"][0].code == "duplicate_organization"
    assert Customer.objects.count() == 1
    duplicate = services.customer_create(
        actor=manager,
        data={"name": "Dup AS", "organization_number": customer.organization_number},
        allow_duplicate_organization=True,
    )
    assert duplicate.organization_number == customer.organization_number


def test_an_update_logs_each_changed_field_with_old_and_new_value(manager, customer):
    updated = services.customer_update(
        actor=manager,
        customer=customer,
        data={"phone": "+47 22 00 00 00", "name": "Fjellheim AS"},
        expected_version=customer.version,
    )
    assert updated.version == customer.version + 1
    entry = ActivityEntry.objects.filter(action="customer.updated").get()
    assert entry.shown_changes["phone"] == {"label": "phone", "old": "", "new": "+47 22 00 00 00"}
    assert entry.changes["name"]["old"] == "Fjellheim Konsult AS"
    assert set(entry.changes) == {"phone", "name"}


def test_an_update_that_changes_nothing_writes_no_log_and_keeps_the_version(manager, customer):
    same = services.customer_update(
        actor=manager, customer=customer, data={"name": customer.name}, expected_version=None
    )
    assert same.version == customer.version
    assert not ActivityEntry.objects.filter(action="customer.updated").exists()


def test_tag_changes_are_logged(manager, customer):
    tag = Tag.objects.create(name="Referansekunde")
    services.customer_update(
        actor=manager, customer=customer, data={}, tags=[tag], expected_version=None
    )
    entry = ActivityEntry.objects.get(action="customer.updated")
    assert entry.shown_changes["tags"]["new"] == "Referansekunde"
    assert list(customer.tags.all()) == [tag]


def test_a_stale_edit_is_detected_and_not_saved(manager, finance, customer):
    loaded_version = customer.version
    services.customer_update(
        actor=finance, customer=customer, data={"phone": "111"}, expected_version=loaded_version
    )
    with pytest.raises(services.StaleEdit):
        services.customer_update(
            actor=manager, customer=customer, data={"phone": "222"}, expected_version=loaded_version
        )
    customer.refresh_from_db()
    assert customer.phone == "111"


def test_an_invalid_update_changes_nothing(manager, customer):
    with pytest.raises(ValidationError):
        services.customer_update(
            actor=manager,
            customer=customer,
            data={"name": "Changed", "organization_number": "123"},
            expected_version=None,
        )
    customer.refresh_from_db()
    assert customer.name == "Fjellheim Konsult AS"
    assert customer.version == 1


def test_the_first_contact_becomes_primary_and_a_new_primary_replaces_it(manager, customer):
    first = services.contact_add(actor=manager, customer=customer, data={"name": "Kari Nordmann"})
    second = services.contact_add(
        actor=manager, customer=customer, data={"name": "Ola Hansen", "is_primary": True}
    )
    first.refresh_from_db()
    assert (first.is_primary, second.is_primary) == (False, True)
    assert Contact.objects.filter(customer=customer, is_primary=True).count() == 1


def test_contact_names_are_searchable(manager, customer):
    contact = services.contact_add(actor=manager, customer=customer, data={"name": "Kari Nordmann"})
    customer.refresh_from_db()
    assert "kari nordmann" in customer.search_text
    services.contact_remove(actor=manager, contact=contact)
    customer.refresh_from_db()
    assert "kari" not in customer.search_text


def test_a_contact_with_a_bad_email_is_refused(manager, customer):
    with pytest.raises(ValidationError):
        services.contact_add(
            actor=manager, customer=customer, data={"name": "Kari", "email": "kari@"}
        )
    assert not Contact.objects.exists()


def test_only_the_author_may_change_or_delete_a_note(manager, finance, customer):
    note = services.note_add(actor=manager, customer=customer, text="Ringte om ny avtale.")
    with pytest.raises(PermissionDenied):
        services.note_update(actor=finance, note=note, text="Endret")
    with pytest.raises(PermissionDenied):
        services.note_delete(actor=finance, note=note)
    services.note_update(actor=manager, note=note, text="Ringte om ny rammeavtale.")
    note.refresh_from_db()
    assert note.text == "Ringte om ny rammeavtale."
    services.note_delete(actor=manager, note=note)
    assert not Note.objects.exists()
    actions = list(
        ActivityEntry.objects.filter(action__startswith="note.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["note.added", "note.deleted", "note.updated"]


def test_an_empty_note_is_refused(manager, customer):
    with pytest.raises(ValidationError):
        services.note_add(actor=manager, customer=customer, text="   ")
    assert not Note.objects.exists()
