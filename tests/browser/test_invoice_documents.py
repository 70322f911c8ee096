"""Finance invoices a project's approved hours, corrects the draft, issues it, reads the PDF and
credits one hour of it."""

import re

import pytest
from playwright.sync_api import expect

from kunde.invoices.models import Invoice
from tests.conftest import output_dir

pytestmark = pytest.mark.browser


def money(text: str) -> re.Pattern:
    """An amount as the pages show it, with (non-breaking) spaces between the digit groups."""
    return re.compile(re.escape(text).replace(r"\ ", r"\s"))


def test_finance_invoices_hours_issues_reads_the_pdf_and_credits_an_hour(
    page, sign_in, live_server, finance, customer, billable_project
):
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    sign_in(finance)

    # A draft from the project's approved hours.
    page.goto(f"/invoices/new/?customer={customer.pk}")
    page.get_by_label("1001 Nytt intranett").check()
    page.get_by_label("Invoice the project's approved, not yet invoiced hours").check()
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice draft")
    expect(page.locator(".messages")).to_have_text("Invoice draft created.")
    invoice = Invoice.objects.get()
    descriptions = list(invoice.lines.values_list("description", flat=True))
    mats = descriptions.index("Consulting hours, Mats Kundeansvarlig")
    expect(page.locator(f'[name="lines-{mats}-quantity"]')).to_have_value("4,5")

    # Edit a line, add one at 12 % VAT, save.
    page.locator(f'[name="lines-{mats}-description"]').fill("Rådgivning intranett, Mats")
    page.get_by_role("button", name="Add line").click()
    new_row = page.locator("tr[data-line-row]").last
    new_row.get_by_label("Description").fill("Reise Oslo–Bergen")
    new_row.get_by_label("Quantity").fill("1")
    new_row.get_by_label("Unit price (kr)").fill("1 500,00")
    new_row.get_by_label("VAT").select_option(label="12 % (S)")
    page.get_by_role("button", name="Save draft").click()

    expect(page.locator(".messages")).to_have_text("Draft saved.")
    totals = page.get_by_test_id("totals")
    expect(totals.locator("tr.vat-group")).to_have_count(2)
    expect(totals.locator("tr.vat-group").first).to_contain_text(money("VAT 25 % (S) of 7 200,00"))
    expect(totals.locator("tr.vat-group").first).to_contain_text(money("1 800,00 kr"))
    expect(totals.locator("tr.vat-group").last).to_contain_text(money("VAT 12 % (S) of 1 500,00"))
    expect(totals.locator("tr.vat-group").last).to_contain_text(money("180,00 kr"))
    expect(page.get_by_test_id("grand-total")).to_have_text(money("10 680,00 kr"))
    page.screenshot(path=_screenshot_path("invoice_draft_editor"), full_page=True)

    # Issue: the invoice gets its number and KID.
    page.get_by_role("button", name="Issue and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 1")
    expect(page.locator(".messages")).to_contain_text("Invoice 1 issued.")
    expect(page.locator(".messages")).to_contain_text("Sent")
    invoice.refresh_from_db()
    assert invoice.kid
    expect(page.get_by_test_id("document-number")).to_have_text("1")
    expect(page.get_by_test_id("kid")).to_have_text(invoice.kid)
    assert dialogs == [
        "Issue this invoice? It gets its number and can never be changed afterwards."
    ]

    # The PDF is the stored document.
    pdf_url = page.get_by_role("link", name="Download PDF").get_attribute("href")
    pdf = page.request.get(pdf_url)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    page.screenshot(path=_screenshot_path("invoice_issued"), full_page=True)

    # Credit one hour of the edited line.
    page.get_by_role("link", name="Credit…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credit Invoice 1")
    mats_field = page.get_by_label("Quantity to credit of Rådgivning intranett, Mats")
    expect(mats_field).to_have_value("4,5")
    mats_field.fill("1")
    page.get_by_label("Quantity to credit of Consulting hours, Frida Finans").fill("0")
    page.get_by_label("Quantity to credit of Reise Oslo–Bergen").fill("0")
    page.screenshot(path=_screenshot_path("invoice_credit_form"), full_page=True)
    page.get_by_role("button", name="Create credit note draft").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Credit note draft")
    expect(page.locator('[name="lines-0-quantity"]')).to_have_value("-1")
    expect(page.get_by_test_id("grand-total")).to_have_text(money("-1 500,00 kr"))
    page.screenshot(path=_screenshot_path("credit_note_draft_editor"), full_page=True)
    page.get_by_role("button", name="Issue only").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credit note 2")

    # The invoice lists the credit note and what is left to credit.
    page.get_by_role("link", name="Invoice 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 1")
    credit_notes = page.get_by_role("region", name="Credit notes")
    expect(credit_notes.get_by_role("link", name="Credit note 2")).to_be_visible()
    expect(page.get_by_test_id("credit-remaining")).to_have_text(money("9 180,00 kr"))


def _screenshot_path(name: str):
    folder = output_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"


def test_a_bad_price_is_shown_on_its_line_and_unsaved_changes_are_not_issued(
    page, sign_in, live_server, finance, customer, billable_project
):
    from kunde.invoices.services import invoice_draft_create

    draft = invoice_draft_create(
        actor=finance, customer=customer, project=billable_project, from_project_hours=True
    )
    before = list(draft.lines.values_list("description", "quantity", "unit_price_ore"))
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    sign_in(finance)
    page.goto(f"/invoices/{draft.pk}/")

    # Changed but not saved: issuing is held back with a warning.
    page.locator('[name="lines-0-quantity"]').fill("3")
    page.get_by_role("button", name="Issue only").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice draft")
    assert dialogs == [
        "You have changed the draft without saving. Save the draft first: issuing takes the "
        "draft as it was last saved."
    ]

    # A price with three decimals in the empty row: refused next to the field.
    row = page.locator("tr[data-line-row]").nth(2)
    row.get_by_label("Description").fill("Lisens")
    row.get_by_label("Unit price (kr)").fill("12,345")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".error-summary")).to_contain_text("Nothing was saved.")
    row = page.locator("tr[data-line-row]").nth(2)
    expect(row.locator("td.price .error")).to_have_text(
        "Ensure that there are no more than 2 decimal places."
    )
    expect(row.get_by_label("Description")).to_have_value("Lisens")
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert list(draft.lines.values_list("description", "quantity", "unit_price_ore")) == before
