"""Finance runs the export to accounting, downloads its file, and keeps a document out of it."""

import csv
import io
from datetime import date

import pytest
from playwright.sync_api import expect

from kunde.company.models import Company
from kunde.invoices import services
from kunde.invoices.models import AccountingExport, ExportStatusChange

pytestmark = pytest.mark.browser


@pytest.fixture
def issued(settings, tmp_path, customer, finance):
    """Two issued invoices of the customer, one with two lines."""
    settings.MEDIA_ROOT = tmp_path / "media"
    company = Company.load()
    company.name, company.organization_number = "Fjordvik Rådgivning AS", "923609016"
    company.bank_account = "86011117947"
    company.street, company.postcode, company.city = "Kirkegata 1", "0153", "Oslo"
    company.save()
    lines = [
        [
            {"description": "Rådgivning", "quantity": 10, "unit_price_ore": 125000},
            {"description": "Reise", "quantity": 1, "unit_price_ore": 50000, "vat_rate": 12},
        ],
        [{"description": "Workshop", "quantity": 1, "unit_price_ore": 80000}],
    ]
    return [
        services.invoice_issue(
            actor=finance,
            invoice=services.invoice_draft_create(actor=finance, customer=customer, lines=ls),
            issue_date=date(2026, 10, 31),
        )
        for ls in lines
    ]


def test_finance_runs_an_export_and_downloads_its_csv(page, sign_in, finance, issued):
    sign_in(finance)
    page.goto("/invoices/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export to accounting")
    expect(page.locator(".waiting")).to_have_text(
        "2 issued documents are waiting to be transferred."
    )
    runs = page.get_by_role("region", name="Export runs")
    expect(runs.locator("tbody tr")).to_have_text(["No export has been run yet."])

    page.get_by_role("button", name="Run export").click()

    run = AccountingExport.objects.get()
    expect(page.locator(".messages")).to_have_text(
        f"Export {run.pk}: 2 document(s) transferred to accounting."
    )
    expect(page.locator(".waiting")).to_have_text(
        "0 issued documents are waiting to be transferred."
    )
    row = runs.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("Frida Finans")
    expect(row.locator("td").nth(3)).to_have_text("2")

    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"CSV of export {run.pk}").click()
    download = download_info.value
    assert download.suggested_filename == f"accounting-export-{run.pk}.csv"
    rows = list(
        csv.DictReader(
            io.StringIO(download.path().read_bytes().decode("utf-8-sig"), newline=""),
            delimiter=";",
        )
    )
    assert [(r["invoice_number"], r["description"], r["gross_amount"]) for r in rows] == [
        (str(issued[0].number), "Rådgivning", "15625,00"),
        (str(issued[0].number), "Reise", "560,00"),
        (str(issued[1].number), "Workshop", "1000,00"),
    ]

    page.get_by_role("button", name="Run export").click()
    expect(page.locator(".messages")).to_have_text("Nothing to transfer.")
    expect(row).to_have_count(1)


def test_finance_keeps_one_document_out_of_the_export(page, sign_in, finance, customer, issued):
    first, second = issued
    sign_in(finance)
    page.goto(f"/customers/{customer.pk}/invoices/export-status/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export status")
    documents = page.locator("table.export-documents tbody tr")
    expect(documents.locator(".export-status")).to_have_text(["To transfer", "To transfer"])

    page.get_by_label(str(second), exact=True).check()
    page.get_by_label("New export status").select_option(label="Do not transfer")
    page.get_by_role("button", name="Apply").click()

    expect(page.locator(".messages")).to_have_text(
        "Export status set to “Do not transfer” on 1 document(s)."
    )
    row = page.locator(f'tr[data-document="{second.pk}"]')
    expect(row.locator(".export-status")).to_have_text("Do not transfer")
    expect(page.locator(f'tr[data-document="{first.pk}"] .export-status')).to_have_text(
        "To transfer"
    )
    assert ExportStatusChange.objects.get().invoice == second

    page.goto("/invoices/exports/")
    expect(page.locator(".waiting")).to_have_text("1 issued document is waiting to be transferred.")
