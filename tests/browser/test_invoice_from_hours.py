"""Invoicing from hours: finance sees what each project has waiting, per employee, before the
draft is made; in the draft, the amounts and totals follow the edits before anything is saved."""

import re

import pytest
from playwright.sync_api import expect

from kunde.invoices.models import Invoice
from tests.browser.languages import both_languages

pytestmark = pytest.mark.browser


def money(text: str) -> re.Pattern:
    """An amount as the pages show it, with (non-breaking) spaces between the digit groups."""
    return re.compile(re.escape(text).replace(r"\ ", r"\s"))


@both_languages
def test_finance_sees_the_waiting_hours_makes_the_draft_and_sees_totals_follow_an_edit(
    page, sign_in, t, finance, customer, billable_project
):
    sign_in(finance)
    page.goto(f"/invoices/new/?customer={customer.pk}")

    # The summary: the project's hours per employee, valued as the draft will have them.
    summary = page.get_by_test_id("hours-summary")
    project = summary.locator('tbody[data-project="1001"]')
    expect(project.locator("tr.employee-row")).to_have_count(2)
    mats = project.locator("tr.employee-row", has_text="Mats Kundeansvarlig")
    expect(mats).to_contain_text("4,5")
    expect(mats).to_contain_text(money("5 400,00 kr"))
    expect(project.locator("tr.employee-row", has_text="Frida Finans")).to_contain_text(
        money("1 800,00 kr")
    )
    expect(project.get_by_test_id("project-net")).to_have_text(money("7 200,00 kr"))

    # Make the draft from the project picked in the summary.
    page.get_by_label("1001 Nytt intranett").check()
    page.get_by_role("button", name=t("Create draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Invoice draft"))
    # The heading can show before the totals script has run; typing must come after it.
    page.wait_for_load_state("load")
    invoice = Invoice.objects.get()
    assert invoice.net_ore == 720000
    expect(page.get_by_test_id("grand-total")).to_have_text(money("9 000,00 kr"))

    # 4,5 hours become 5,25: the line, the VAT and the totals change before saving.
    descriptions = list(invoice.lines.values_list("description", flat=True))
    mats_line = t("Consulting hours, %(employee)s") % {"employee": "Mats Kundeansvarlig"}
    row = descriptions.index(mats_line)
    line = page.locator("tr[data-line-row]").nth(row)
    page.locator(f'[name="lines-{row}-quantity"]').fill("5,25")
    expect(line.locator("[data-line-net]")).to_have_text(money("6 300,00 kr"))
    expect(page.get_by_test_id("net-total")).to_have_text(money("8 100,00 kr"))
    expect(page.get_by_test_id("vat-total")).to_have_text(money("2 025,00 kr"))
    expect(page.get_by_test_id("grand-total")).to_have_text(money("10 125,00 kr"))
    expect(page.locator("[data-totals-heading]")).to_have_text(t("Totals, not saved yet"))
    # Amounts that round: 5,255 h × 1 200 kr less 0,75 % = 6 258,705 kr, half up to 6 258,71;
    # the VAT, 25 % of 8 058,71 = 2 014,6775, to 2 014,68.
    page.locator(f'[name="lines-{row}-quantity"]').fill("5,255")
    page.locator(f'[name="lines-{row}-discount_percent"]').fill("0,75")
    expect(line.locator("[data-line-net]")).to_have_text(money("6 258,71 kr"))
    expect(page.get_by_test_id("vat-total")).to_have_text(money("2 014,68 kr"))
    expect(page.get_by_test_id("grand-total")).to_have_text(money("10 073,39 kr"))
    invoice.refresh_from_db()
    assert invoice.net_ore == 720000  # nothing saved yet

    # Saved, the server's amounts are the ones the page showed.
    page.get_by_role("button", name=t("Save draft")).click()
    expect(page.locator(".messages")).to_have_text(t("Draft saved."))
    invoice.refresh_from_db()
    assert (invoice.net_ore, invoice.vat_ore, invoice.total_ore) == (805871, 201468, 1007339)
    expect(page.get_by_test_id("grand-total")).to_have_text(money("10 073,39 kr"))
