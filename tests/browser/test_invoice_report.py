"""A customer's Invoices tab: filter, choose columns that stay, and download the view."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from kunde.invoices import services

pytestmark = pytest.mark.browser


@pytest.fixture
def documents(company, customer, finance, draft):  # noqa: F811
    invoice = services.invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 3, 2))
    note = services.credit_note_create(actor=finance, invoice=invoice)
    note = services.invoice_issue(actor=finance, invoice=note, issue_date=date(2026, 3, 9))
    later = services.invoice_draft_create(
        actor=finance, customer=customer,
        lines=[{"description": "Workshop", "quantity": 1, "unit_price_ore": 990000}],
    )  # fmt: skip
    return {"invoice": invoice, "credit_note": note, "draft": later}


def body_rows(page):
    return page.locator("table.report-table tbody tr")


def header(page):
    return page.locator("table.report-table thead")


def test_filter_choose_columns_reload_and_download(page, sign_in, finance, customer, documents):
    note = documents["credit_note"]
    sign_in(finance)
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("navigation", name="Customer").get_by_role("link", name="Invoices").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/invoices/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)
    expect(page.get_by_role("link", name="New invoice")).to_be_visible()
    expect(body_rows(page)).to_have_count(3)
    expect(body_rows(page).first).to_contain_text("Draft")
    expect(page.locator("tfoot")).to_contain_text("Total, all 3 documents")

    filters = page.get_by_role("search", name="Filter invoices")
    filters.get_by_label("Type").select_option(label="Credit note")
    filters.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"type=credit_note"))
    expect(body_rows(page)).to_have_count(1)
    expect(body_rows(page).first).to_contain_text(str(note.number))
    expect(body_rows(page).first).to_contain_text("Credit note")

    page.get_by_text("Columns", exact=True).click()
    chooser = page.get_by_role("group", name="Show these columns")
    chooser.get_by_label("KID").check()
    chooser.get_by_label("Export status").check()
    page.get_by_role("button", name="Save columns").click()
    expect(header(page)).to_contain_text("KID")
    expect(header(page)).to_contain_text("Export status")
    expect(body_rows(page).first).to_contain_text(note.kid)
    expect(body_rows(page).first).to_contain_text("To transfer")
    expect(page).to_have_url(re.compile(r"type=credit_note"))

    page.reload()
    expect(header(page)).to_contain_text("KID")
    expect(header(page)).to_contain_text("Export status")
    expect(body_rows(page)).to_have_count(1)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert re.fullmatch(rf"fakturaer-{customer.number}-\d{{4}}-\d\d-\d\d\.xlsx",
                        download.suggested_filename)  # fmt: skip
    sheet = CalamineWorkbook.from_path(str(download.path())).get_sheet_by_index(0).to_python()
    assert sheet[3] == ["No.", "Type", "Date", "Due date", "Total", "Payment status", "Status",
                        "Export status", "KID"]  # fmt: skip
    assert sheet[4] == [
        note.number, "Credit note", date(2026, 3, 9), date(2026, 3, 9), note.total_ore / 100,
        "", "Issued", "To transfer", note.kid,
    ]  # fmt: skip
    assert sheet[5][0] == "Total" and sheet[5][4] == note.total_ore / 100
    assert len(sheet) == 6
