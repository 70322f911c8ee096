"""An account manager keeps notes and contact persons on a customer's profile."""

import pytest
from playwright.sync_api import expect

from kunde.customers.models import Contact, Note

pytestmark = pytest.mark.browser


def open_profile(page, sign_in, user, customer):
    sign_in(user)
    page.goto(f"/customers/{customer.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)


def test_a_note_is_added_on_top_edited_and_deleted(page, sign_in, manager, customer):
    open_profile(page, sign_in, manager, customer)
    notes = page.get_by_role("region", name="Notes")
    timeline = notes.locator("ol.timeline > li")
    expect(timeline).to_have_text(["No notes yet."])

    notes.get_by_label("New note").fill("Met Kari at the fair.")
    notes.get_by_role("button", name="Add note").click()
    expect(page.locator(".messages")).to_have_text("Note added.")
    notes.get_by_label("New note").fill("Called Kari: they want the offer by Friday.")
    notes.get_by_role("button", name="Add note").click()

    expect(timeline.locator(".note-text")).to_have_text(
        ["Called Kari: they want the offer by Friday.", "Met Kari at the fair."]
    )
    expect(timeline.first.locator(".meta")).to_contain_text("Mats Kundeansvarlig")

    timeline.first.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit note")
    text = page.get_by_role("textbox")
    expect(text).to_have_value("Called Kari: they want the offer by Friday.")
    text.fill("Called Kari: they want the offer by Thursday.")
    page.get_by_role("button", name="Save note").click()

    expect(page.locator(".messages")).to_have_text("Note saved.")
    expect(timeline.locator(".note-text")).to_have_text(
        ["Called Kari: they want the offer by Thursday.", "Met Kari at the fair."]
    )

    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    timeline.first.get_by_role("button", name="Delete").click()

    expect(page.locator(".messages")).to_have_text("Note deleted.")
    assert dialogs == ["Delete this note?"]
    expect(timeline.locator(".note-text")).to_have_text(["Met Kari at the fair."])
    assert list(Note.objects.values_list("text", flat=True)) == ["Met Kari at the fair."]
    recent = page.get_by_role("region", name="Recent activity").locator("ol.activity > li")
    expect(recent.first).to_contain_text("Note deleted")


def test_the_first_contact_becomes_primary_and_a_second_one_is_added(
    page, sign_in, manager, customer
):
    open_profile(page, sign_in, manager, customer)
    contacts = page.get_by_role("region", name="Contact persons")
    expect(contacts).to_contain_text("No contact persons yet.")

    contacts.get_by_role("link", name="Add contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New contact")
    page.locator("#id_name").fill("Kari Nordmann")
    page.locator("#id_role").fill("Daglig leder")
    page.locator("#id_email").fill("kari@fjellheim.no")
    page.locator("#id_phone").fill("900 11 222")
    expect(page.locator("#id_is_primary")).not_to_be_checked()
    page.get_by_role("button", name="Save contact").click()

    expect(page.locator(".messages")).to_have_text("Contact added.")
    people = contacts.locator("ul.contacts > li")
    expect(people).to_have_count(1)
    expect(people.first).to_contain_text("Kari Nordmann")
    expect(people.first.locator(".badge")).to_have_text("Primary")
    expect(people.first).to_contain_text("Daglig leder")
    expect(people.first.get_by_role("link", name="kari@fjellheim.no")).to_be_visible()

    contacts.get_by_role("link", name="Add contact").click()
    page.locator("#id_name").fill("Ola Hansen")
    page.locator("#id_role").fill("Regnskap")
    page.get_by_role("button", name="Save contact").click()

    expect(page.locator(".messages")).to_have_text("Contact added.")
    expect(people.locator("strong")).to_have_text(["Kari Nordmann", "Ola Hansen"])
    expect(people.nth(0).locator(".badge")).to_have_text("Primary")
    expect(people.nth(1).locator(".badge")).to_have_count(0)
    recent = page.get_by_role("region", name="Recent activity").locator("ol.activity > li")
    expect(recent.first).to_contain_text("Contact Ola Hansen added")
    primary = Contact.objects.filter(customer=customer, is_primary=True).get()
    assert primary.name == "Kari Nordmann"

    # A contact's name finds the customer in the list.
    page.get_by_role("link", name="← Customers").click()
    page.get_by_role("searchbox", name="Search").fill("ola hansen")
    page.get_by_role("searchbox", name="Search").press("Enter")
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list tbody")).to_contain_text("Fjellheim Konsult AS")
