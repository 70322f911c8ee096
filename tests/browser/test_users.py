"""An administrator adds a colleague, who sets a password with the one-time link and signs in;
then the administrator changes the role and deactivates the user."""

import pytest
from playwright.sync_api import expect

from kunde.accounts.models import User

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a-fresh-password-42"


def test_an_admin_invites_a_user_who_sets_a_password_and_signs_in(page, sign_in, admin):
    sign_in(admin)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("nina")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Ny")
    page.get_by_label("E-mail").fill("nina.med.en.svaert.lang.adresse@fjordvik-radgivning.no")
    page.get_by_label("Role").select_option("finance")
    page.get_by_role("button", name="Create user").click()
    link = page.get_by_test_id("password-link").input_value()
    assert "/accounts/set-password/" in link

    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is set")
    sign_in(User.objects.get(username="nina"), password=NEW_PASSWORD)
    expect(page.locator(".whoami")).to_have_text("Nina Ny · Finance")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)


def test_an_admin_changes_a_role_and_deactivates(page, sign_in, admin, reader):
    sign_in(admin)
    page.goto(f"/users/{reader.pk}/")
    page.get_by_label("Role").select_option("account_manager")
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("status")).to_contain_text("was saved")
    expect(page.get_by_role("table")).to_contain_text("Role: Read-only → Account manager")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deactivated")
    reader.refresh_from_db()
    assert (reader.role, reader.is_active) == ("account_manager", False)
