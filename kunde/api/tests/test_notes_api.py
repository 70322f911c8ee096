"""/api/v1/customers/<id>/notes: list and add notes; only the author changes or deletes one."""

import pytest

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Note
from kunde.customers.services import note_add

JSON = "application/json"


def _notes_url(customer):
    return f"/api/v1/customers/{customer.pk}/notes"


def _url(note):
    return f"/api/v1/customers/{note.customer_id}/notes/{note.pk}"


def _database():
    """Everything a refused request must leave as it was."""
    return (
        list(Note.objects.order_by("pk").values()),
        list(ActivityEntry.objects.order_by("pk").values()),
    )


@pytest.fixture
def note(customer, manager):
    return note_add(actor=manager, customer=customer, text="Ringte om ny avtale.")


# List ---------------------------------------------------------------------------------------


def test_the_notes_are_listed_newest_first(client, token_for, reader, admin, customer, note):
    newer = note_add(actor=admin, customer=customer, text="Avtalen er signert.")
    response = client.get(_notes_url(customer), **token_for(reader))
    assert response.status_code == 200
    body = response.json()
    assert [(n["id"], n["text"], n["author"]) for n in body] == [
        (newer.pk, "Avtalen er signert.", "Ada Admin"),
        (note.pk, "Ringte om ny avtale.", "Mats Kundeansvarlig"),
    ]
    assert set(body[0]) == {"id", "text", "author", "created_at", "edited_at"}


def test_the_notes_are_limited(client, token_for, reader, admin, customer, note):
    note_add(actor=admin, customer=customer, text="Avtalen er signert.")
    response = client.get(_notes_url(customer), {"limit": 1}, **token_for(reader))
    assert [n["text"] for n in response.json()] == ["Avtalen er signert."]


def test_listing_notes_needs_credentials(client, wrong_token, customer, note):
    for headers in ({}, wrong_token):
        assert client.get(_notes_url(customer), **headers).status_code == 401


# Add ----------------------------------------------------------------------------------------


def test_a_note_is_added_by_its_author_and_logged(client, token_for, finance, customer):
    response = client.post(
        _notes_url(customer),
        {"text": "  Sendte tilbud.  "},
        content_type=JSON,
        **token_for(finance),
    )
    assert response.status_code == 201
    note = Note.objects.get()
    body = response.json()
    assert (body["id"], body["text"], body["author"]) == (note.pk, "Sendte tilbud.", "Frida Finans")
    assert note.author == finance
    entry = ActivityEntry.objects.get(action="note.added")
    assert (entry.customer, entry.actor) == (customer, finance)


def test_a_reader_may_not_add_a_note(client, token_for, reader, customer):
    before = _database()
    response = client.post(
        _notes_url(customer), {"text": "Nei"}, content_type=JSON, **token_for(reader)
    )
    assert response.status_code == 403
    assert _database() == before


def test_adding_a_note_needs_credentials(client, wrong_token, customer):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.post(_notes_url(customer), {"text": "Nei"}, content_type=JSON, **headers)
        assert response.status_code == 401
    assert _database() == before


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": None}])
def test_adding_a_note_needs_text(client, token_for, manager, customer, payload):
    before = _database()
    response = client.post(_notes_url(customer), payload, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert "text" in response.json()["errors"]
    assert _database() == before


def test_a_note_on_an_unknown_customer_is_404(client, token_for, manager, db):
    response = client.post(
        "/api/v1/customers/999999/notes", {"text": "Hei"}, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 404
    assert not Note.objects.exists()


# Change -------------------------------------------------------------------------------------


def test_the_author_changes_a_note_and_it_is_logged(client, token_for, manager, note):
    response = client.patch(
        _url(note), {"text": "Ringte om ny avtale i mai."}, content_type=JSON, **token_for(manager)
    )
    assert response.status_code == 200
    assert response.json()["text"] == "Ringte om ny avtale i mai."
    note.refresh_from_db()
    assert note.text == "Ringte om ny avtale i mai."
    entry = ActivityEntry.objects.get(action="note.updated")
    assert entry.actor == manager
    assert entry.changes["text"]["old"] == "Ringte om ny avtale."
    assert entry.changes["text"]["new"] == "Ringte om ny avtale i mai."


def test_only_the_author_changes_a_note(client, token_for, admin, note):
    before = _database()
    response = client.patch(
        _url(note), {"text": "Overtatt."}, content_type=JSON, **token_for(admin)
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    assert _database() == before


def test_a_reader_may_not_change_a_note(client, token_for, reader, note):
    before = _database()
    response = client.patch(_url(note), {"text": "Nei"}, content_type=JSON, **token_for(reader))
    assert response.status_code == 403
    assert _database() == before


def test_changing_a_note_needs_credentials(client, wrong_token, note):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.patch(_url(note), {"text": "Nei"}, content_type=JSON, **headers)
        assert response.status_code == 401
    assert _database() == before


def test_a_note_cannot_be_emptied(client, token_for, manager, note):
    before = _database()
    response = client.patch(_url(note), {"text": " "}, content_type=JSON, **token_for(manager))
    assert response.status_code == 422
    assert "text" in response.json()["errors"]
    assert _database() == before


# Delete -------------------------------------------------------------------------------------


def test_the_author_deletes_a_note_and_it_is_logged(client, token_for, manager, customer, note):
    response = client.delete(_url(note), **token_for(manager))
    assert response.status_code == 204
    assert not Note.objects.exists()
    entry = ActivityEntry.objects.get(action="note.deleted")
    assert (entry.customer, entry.actor) == (customer, manager)
    assert entry.changes["text"]["old"] == "Ringte om ny avtale."


def test_only_the_author_deletes_a_note(client, token_for, admin, note):
    before = _database()
    assert client.delete(_url(note), **token_for(admin)).status_code == 403
    assert _database() == before


def test_a_reader_may_not_delete_a_note(client, token_for, reader, note):
    before = _database()
    assert client.delete(_url(note), **token_for(reader)).status_code == 403
    assert _database() == before


def test_deleting_a_note_needs_credentials(client, wrong_token, note):
    before = _database()
    for headers in ({}, wrong_token):
        assert client.delete(_url(note), **headers).status_code == 401
    assert _database() == before
