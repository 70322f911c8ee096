from kunde.customers import services
from kunde.customers.models import Contact, Note


def test_adding_editing_and_removing_a_contact(client_for, manager, customer):
    client = client_for(manager)
    response = client.post(
        f"/customers/{customer.pk}/contacts/new/",
        {"name": "Kari Nordmann", "email": "kari@fjellheim.no"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert contact.is_primary  # the first contact
    assert "Kari Nordmann" in client.get(f"/customers/{customer.pk}/").content.decode()
    client.post(
        f"/customers/{customer.pk}/contacts/{contact.pk}/",
        {"name": "Kari Nordmann", "role": "Daglig leder", "is_primary": "on"},
    )
    contact.refresh_from_db()
    assert contact.role == "Daglig leder"
    client.post(f"/customers/{customer.pk}/contacts/{contact.pk}/delete/")
    assert not Contact.objects.exists()


def test_a_contact_with_a_bad_email_is_refused(client_for, manager, customer):
    response = client_for(manager).post(
        f"/customers/{customer.pk}/contacts/new/", {"name": "Kari", "email": "kari@"}
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Contact.objects.exists()


def test_a_reader_may_not_touch_contacts(client_for, reader, manager, customer):
    contact = services.contact_add(actor=manager, customer=customer, data={"name": "Kari"})
    client = client_for(reader)
    assert (
        client.post(f"/customers/{customer.pk}/contacts/new/", {"name": "Ola"}).status_code == 403
    )
    assert client.post(f"/customers/{customer.pk}/contacts/{contact.pk}/delete/").status_code == 403
    assert Contact.objects.count() == 1


def test_a_contact_of_another_customer_is_404(client_for, manager, customer):
    other = services.customer_create(actor=manager, data={"name": "Annen AS"})
    contact = services.contact_add(actor=manager, customer=other, data={"name": "Kari"})
    assert (
        client_for(manager).get(f"/customers/{customer.pk}/contacts/{contact.pk}/").status_code
        == 404
    )


def test_notes_are_added_edited_and_deleted_by_their_author(client_for, manager, customer):
    client = client_for(manager)
    client.post(f"/customers/{customer.pk}/notes/", {"text": "Møte om ny avtale i mars."})
    note = Note.objects.get()
    assert note.author == manager
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Møte om ny avtale i mars." in page
    client.post(f"/customers/{customer.pk}/notes/{note.pk}/", {"text": "Møte flyttet til april."})
    note.refresh_from_db()
    assert note.text == "Møte flyttet til april."
    client.post(f"/customers/{customer.pk}/notes/{note.pk}/delete/")
    assert not Note.objects.exists()


def test_an_empty_note_is_refused(client_for, manager, customer):
    response = client_for(manager).post(
        f"/customers/{customer.pk}/notes/", {"text": "  "}, follow=True
    )
    assert "A note needs some text." in response.content.decode()
    assert not Note.objects.exists()


def test_nobody_may_change_another_users_note(client_for, manager, finance, customer):
    note = services.note_add(actor=manager, customer=customer, text="Mitt notat")
    client = client_for(finance)
    assert client.get(f"/customers/{customer.pk}/notes/{note.pk}/").status_code == 403
    assert (
        client.post(f"/customers/{customer.pk}/notes/{note.pk}/", {"text": "x"}).status_code == 403
    )
    assert client.post(f"/customers/{customer.pk}/notes/{note.pk}/delete/").status_code == 403
    note.refresh_from_db()
    assert note.text == "Mitt notat"


def test_only_the_latest_notes_show_until_asked_for_all(client_for, manager, customer):
    for i in range(25):
        services.note_add(actor=manager, customer=customer, text=f"Notat nummer {i:02d}")
    client = client_for(manager)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Notat nummer 24" in page and "Notat nummer 00" not in page
    assert "Show all notes" in page
    everything = client.get(f"/customers/{customer.pk}/", {"notes": "all"}).content.decode()
    assert "Notat nummer 00" in everything


def test_the_activity_tab_lists_changes(client_for, reader, manager, customer):
    services.customer_update(
        actor=manager, customer=customer, data={"phone": "555"}, expected_version=None
    )
    page = client_for(reader).get(f"/customers/{customer.pk}/activity/").content.decode()
    assert "Customer created" in page
    assert "555" in page
