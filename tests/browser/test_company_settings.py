"""An administrator changes the KID setting; the change shows in the company's history."""

import pytest
from playwright.sync_api import expect

from kunde.company.models import Company

pytestmark = pytest.mark.browser


def test_admin_changes_the_kid_check_digit_and_sees_it_in_the_history(
    page, sign_in, transactional_db, admin
):
    sign_in(admin)
    page.goto("/company/")
    history = page.get_by_role("region", name="History of changes")
    expect(history).to_contain_text("Nothing has happened yet.")

    kid = page.get_by_role("region", name="KID on invoices")
    kid.get_by_label("KID check digit").select_option("MOD11")
    kid.get_by_role("button", name="Save KID setting").click()

    expect(page.locator(".messages")).to_have_text("Company settings saved.")
    latest = history.locator("ol.activity > li").first
    expect(latest).to_contain_text("Ada Admin")
    expect(latest).to_contain_text("KID on invoices")
    row = latest.locator("tr", has=page.get_by_role("rowheader", name="KID check digit"))
    expect(row.locator("del")).to_have_text("MOD10 (Luhn)")
    expect(row.locator("ins")).to_have_text("MOD11")
    assert Company.load().kid_algorithm == "MOD11"
