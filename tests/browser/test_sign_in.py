"""Signing in and out through the real login form."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_wrong_password_shows_an_error_and_stays_on_login(page, manager):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("mats")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("mats")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator(".whoami")).to_have_count(0)


def test_right_password_lands_on_the_customer_list(page, sign_in, manager, customer):
    sign_in(manager)

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    expect(page.locator(".whoami")).to_have_text("Mats Kundeansvarlig · Account manager")
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
