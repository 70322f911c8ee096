"""An account manager creates a customer, filled in from the business register or by hand."""

import re

import pytest
from playwright.sync_api import expect

from kunde.customers.models import Customer

pytestmark = pytest.mark.browser

UNAVAILABLE = (
    "The business register does not answer right now. You can fill in the customer by hand."
)


def open_new_customer_form(page, sign_in, user):
    sign_in(user)
    page.get_by_role("link", name="New customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New customer")
    return page.get_by_label("Find in the business register (Enhetsregisteret)")


def details(page, term):
    """The value shown for one term of the profile's "Customer details"."""
    return page.locator(f"xpath=//dl/dt[normalize-space()='{term}']/following-sibling::dd[1]")


def test_a_register_match_fills_the_form_and_creates_the_customer(
    page, sign_in, manager, fake_register
):
    lookup = open_new_customer_form(page, sign_in, manager)
    lookup.press_sequentially("fjell")

    matches = page.get_by_role("list", name="Matches in the register").get_by_role("button")
    expect(matches).to_have_text(
        [
            "Fjellheim Konsult AS · 923609016 AS · OSLO",
            "Fjellstua Kafé Ingrid Berg · 812345672 ENK · RJUKAN",
        ]
    )
    matches.filter(has_text="Fjellheim").click()

    expect(page.locator(".register-status")).to_have_text(
        "Filled in from the register: Fjellheim Konsult AS"
    )
    expect(matches).to_have_count(0)
    expect(page.locator("#id_name")).to_have_value("Fjellheim Konsult AS")
    expect(page.locator("#id_name")).to_be_focused()
    expect(page.locator("#id_organization_number")).to_have_value("923609016")
    expect(page.locator("#id_organization_form")).to_have_value("AS")
    expect(page.locator("#id_vat_number")).to_have_value("NO923609016MVA")
    # The register's postal address is the postal address; its business address is where to visit.
    expect(page.locator("#id_postal_street")).to_have_value("Postboks 1234 Sentrum")
    expect(page.locator("#id_postal_postcode")).to_have_value("0106")
    expect(page.locator("#id_postal_city")).to_have_value("OSLO")
    expect(page.locator("#id_visiting_street")).to_have_value("Storgata 12")
    expect(page.locator("#id_visiting_postcode")).to_have_value("0155")
    expect(page.locator("#id_visiting_city")).to_have_value("OSLO")

    page.get_by_role("button", name="Create customer").click()

    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.locator(".messages")).to_have_text("Customer Fjellheim Konsult AS created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjellheim Konsult AS")
    expect(page.locator(".facts")).to_contain_text("Org. no. 923 609 016 AS")
    expect(details(page, "Organisation number")).to_have_text("923 609 016")
    expect(details(page, "VAT number")).to_have_text("NO923609016MVA")
    expect(details(page, "Postal address")).to_have_text(
        "Postboks 1234 Sentrum 0106 OSLO", use_inner_text=True
    )
    expect(details(page, "Visiting address")).to_have_text(
        "Storgata 12 0155 OSLO", use_inner_text=True
    )
    customer = Customer.objects.get()
    assert customer.organization_number == "923609016"
    assert customer.vat_number == "NO923609016MVA"
    assert page.url.endswith(f"/customers/{customer.pk}/")


def test_a_match_without_vat_registration_leaves_the_vat_number_empty(
    page, sign_in, manager, fake_register
):
    lookup = open_new_customer_form(page, sign_in, manager)
    page.locator("#id_vat_number").fill("NO999999999MVA")  # typed earlier by mistake
    lookup.fill("812 345 672")
    lookup.press("Enter")

    match = page.get_by_role("list", name="Matches in the register").get_by_role("button")
    expect(match).to_have_text("Fjellstua Kafé Ingrid Berg · 812345672 ENK · RJUKAN")
    match.click()

    expect(page.locator("#id_name")).to_have_value("Fjellstua Kafé Ingrid Berg")
    expect(page.locator("#id_organization_form")).to_have_value("ENK")
    expect(page.locator("#id_vat_number")).to_have_value("")
    expect(page.locator("#id_postal_street")).to_have_value("Fjellveien 8")
    expect(page.locator("#id_postal_postcode")).to_have_value("3660")
    expect(page.locator("#id_postal_city")).to_have_value("RJUKAN")
    expect(page.locator("#id_visiting_street")).to_have_value("")
    assert "/enheter/812345672" in fake_register.requests


def test_a_name_the_register_does_not_know_says_so(page, sign_in, manager, fake_register):
    lookup = open_new_customer_form(page, sign_in, manager)
    lookup.press_sequentially("Ukjent Firma")

    expect(page.locator(".register-status")).to_have_text("No match in the register.")
    expect(page.get_by_role("list", name="Matches in the register").locator("li")).to_have_count(0)


def test_an_offline_register_still_lets_the_user_create_by_hand(
    page, sign_in, manager, fake_register
):
    fake_register.delay = 5  # far beyond BRREG_TIMEOUT_SECONDS
    lookup = open_new_customer_form(page, sign_in, manager)
    lookup.press_sequentially("fjell")

    status = page.locator(".register-status")
    expect(status).to_have_text(UNAVAILABLE)
    expect(status).to_have_class(re.compile(r"\berror\b"))
    assert fake_register.requests, "the look-up never reached the register"

    page.locator("#id_name").fill("Bakeriet på Hjørnet")
    page.locator("#id_postal_city").fill("Drammen")
    page.get_by_role("button", name="Create customer").click()

    expect(page.locator(".messages")).to_have_text("Customer Bakeriet på Hjørnet created.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bakeriet på Hjørnet")
    expect(details(page, "Organisation number")).to_have_text("–")
    assert Customer.objects.get().name == "Bakeriet på Hjørnet"
