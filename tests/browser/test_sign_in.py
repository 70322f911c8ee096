"""Signing in and out through the real login form."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.languages import both_languages

pytestmark = pytest.mark.browser


# The words the Norwegian run must show (not only "whatever gettext gives": a missing
# translation would pass a t()-only check in English words).
NORWEGIAN = {"Sign in": "Logg inn", "Customers": "Kunder", "Account manager": "Kundeansvarlig"}
# The form's labels come from Django's own catalogue (the user model's field names).
LABELS = {"en": ("Username", "Password"), "nb": ("Brukernavn", "Passord")}


@both_languages
def test_wrong_password_shows_an_error_and_stays_on_login(page, manager, language, t):
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    username, password = LABELS[language]
    page.get_by_label(username).fill("mats")
    page.get_by_label(password).fill("not-the-password")
    page.get_by_role("button", name=t("Sign in")).click()

    expected = {
        "en": "Please enter a correct username and password",
        "nb": "Vennligst oppgi korrekt",
    }
    expect(page.get_by_role("alert")).to_contain_text(expected[language])
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name=t("Sign in"))).to_be_visible()
    if language == "nb":
        expect(page.get_by_role("heading", level=1)).to_have_text(NORWEGIAN["Sign in"])
    expect(page.get_by_label(username)).to_have_value("mats")
    expect(page.get_by_label(password)).to_have_value("")
    expect(page.locator(".whoami")).to_have_count(0)


@both_languages
def test_right_password_lands_on_the_customer_list(page, sign_in, manager, customer, language, t):
    sign_in(manager)

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_role("heading", name=t("Customers"))).to_be_visible()
    expect(page.locator(".whoami")).to_have_text(f"Mats Kundeansvarlig · {t('Account manager')}")
    if language == "nb":
        expect(page.get_by_role("heading", level=1)).to_contain_text(NORWEGIAN["Customers"])
        expect(page.locator(".whoami")).to_contain_text(NORWEGIAN["Account manager"])
    expect(page.get_by_role("link", name="Fjellheim Konsult AS")).to_be_visible()


def test_a_page_visited_signed_out_comes_back_after_sign_in(page, sign_in, manager, customer):
    page.goto(f"/customers/{customer.pk}/")

    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=/customers/{customer.pk}/$"))
    sign_in(manager)

    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjellheim Konsult AS")


def test_signing_out_returns_to_login_and_locks_the_pages(page, sign_in, reader):
    sign_in(reader)
    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto("/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
