"""An account manager edits a customer's master data from the profile."""

import re

import pytest
from playwright.sync_api import expect

from kunde.activity.models import ActivityEntry
from kunde.customers.services import customer_create
from tests.browser.languages import both_languages

pytestmark = pytest.mark.browser


def details(page, term):
    """The value shown for one term of a definition list on the profile."""
    return page.locator(f"xpath=//dl/dt[normalize-space()='{term}']/following-sibling::dd[1]")


def open_edit_form(page, sign_in, user, customer, t=lambda text: text):
    sign_in(user)
    page.goto(f"/customers/{customer.pk}/")
    page.locator(".profile-actions").get_by_role("link", name=t("Edit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{t('Edit')} {customer.name}")


# What the Norwegian run must show, word for word.
NORWEGIAN = {
    "saved": "Endringene er lagret.",
    "letter": "Brev",
    "activity": "Endret telefon, foretrukket fakturatype",
    "created": "Kunde opprettet",
}


@both_languages
def test_a_changed_phone_and_invoice_type_show_on_the_profile_and_in_the_activity(
    page, sign_in, manager, customer, language, t
):
    open_edit_form(page, sign_in, manager, customer, t)
    page.locator("#id_phone").fill("22 33 44 55")
    page.locator("#id_invoice_delivery").select_option(label=t("Letter"))
    page.get_by_role("button", name=t("Save changes")).click()

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator(".messages")).to_have_text(t("Changes saved."))
    expect(details(page, t("Phone"))).to_have_text("22 33 44 55")
    expect(page.get_by_test_id("invoice-delivery")).to_have_text(t("Letter"))
    expect(details(page, t("Invoices are sent to"))).to_have_text(t("the postal address"))

    recent = page.get_by_role("region", name=t("Recent activity")).locator("ol.activity > li")
    expect(recent).to_have_count(2)  # the change, above "Customer created"
    latest = recent.first
    expect(latest).to_contain_text("Mats Kundeansvarlig")
    expect(latest).to_contain_text(
        t("Changed %(fields)s") % {"fields": f"{t('phone')}, {t('preferred invoice type')}"}
    )
    phone = latest.locator("tr", has=page.get_by_role("rowheader", name=t("phone")))
    expect(phone.locator("del")).to_have_text("–")
    expect(phone.locator("ins")).to_have_text("22 33 44 55")
    delivery = latest.locator(
        "tr", has=page.get_by_role("rowheader", name=t("preferred invoice type"))
    )
    expect(delivery.locator("ins")).to_have_text(re.compile(t("Letter"), re.IGNORECASE))
    expect(recent.last).to_contain_text(t("Customer created"))
    if language == "nb":
        expect(page.locator(".messages")).to_have_text(NORWEGIAN["saved"])
        expect(latest).to_contain_text(NORWEGIAN["activity"])
        expect(delivery.locator("ins")).to_have_text(NORWEGIAN["letter"])
        expect(recent.last).to_contain_text(NORWEGIAN["created"])

    customer.refresh_from_db()
    assert customer.phone == "22 33 44 55"
    assert customer.invoice_delivery == "letter"
    assert customer.version == 2


def test_an_invalid_organisation_number_is_refused_next_to_the_field(
    page, sign_in, manager, customer
):
    open_edit_form(page, sign_in, manager, customer)
    page.locator("#id_organization_number").fill("923609017")
    page.locator("#id_phone").fill("22 33 44 55")
    page.get_by_role("button", name="Save changes").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Nothing was saved. Please correct the fields marked below.")
    expect(summary).to_be_focused()
    field = page.locator(".field", has=page.locator("#id_organization_number"))
    expect(field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(field.locator(".error")).to_have_text(
        "Not a valid Norwegian organisation number (9 digits with a correct check digit)."
    )
    expect(page.locator("#id_organization_number")).to_have_value("923609017")

    page.get_by_role("link", name="Cancel").click()
    expect(details(page, "Organisation number")).to_have_text("923 609 016")
    expect(details(page, "Phone")).to_have_text("–")
    expect(page.get_by_role("region", name="Recent activity").locator("li")).to_have_count(1)
    customer.refresh_from_db()
    assert customer.organization_number == "923609016"
    assert customer.version == 1
    assert ActivityEntry.objects.filter(customer=customer).count() == 1


def test_ehf_is_refused_for_a_customer_without_organisation_number(page, sign_in, manager):
    person = customer_create(
        actor=manager, data={"name": "Kari Nordmann", "kind": "person", "email": "kari@example.no"}
    )
    open_edit_form(page, sign_in, manager, person)
    page.locator("#id_invoice_delivery").select_option(label="EHF (PEPPOL)")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("alert")).to_be_focused()
    field = page.locator(".field", has=page.locator("#id_invoice_delivery"))
    expect(field.locator(".error")).to_have_text(
        "EHF needs an organisation number: the EHF receiver is found from it."
    )

    page.goto(f"/customers/{person.pk}/")
    expect(page.get_by_test_id("invoice-delivery")).to_have_text("E-mail")
    expect(details(page, "Invoices are sent to")).to_have_text("kari@example.no")
    person.refresh_from_db()
    assert person.invoice_delivery == "email"
