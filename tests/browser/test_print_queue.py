"""Finance prints the letters of the day: one PDF of the queue, then marks them printed."""

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from kunde.company.models import Company
from kunde.customers.models import Customer
from kunde.invoices import delivery, services
from kunde.invoices.models import DeliveryAttempt

pytestmark = pytest.mark.browser


@pytest.fixture
def queued_letter(customer, finance):
    company = Company.load()
    company.name, company.bank_account = "Fjordvik Rådgivning AS", "86011117947"
    company.save()
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="letter")
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 3, "unit_price_ore": 125000}],
    )
    invoice = services.invoice_issue(actor=finance, invoice=draft)
    return delivery.invoice_send(actor=finance, invoice=invoice)


def test_finance_downloads_the_queue_and_marks_it_printed(page, sign_in, finance, queued_letter):
    sign_in(finance)
    page.goto("/invoices/print-queue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Print queue")
    rows = page.locator("table.print-queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Invoice 1")
    expect(rows.first).to_contain_text("Storgata 1, 0155 Oslo")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all as one PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"utskrift-{timezone.localdate().isoformat()}.pdf"
    with open(download.path(), "rb") as file:
        pdf = PdfReader(io.BytesIO(file.read()))
    assert len(pdf.pages) >= 1
    assert "Fjellheim Konsult AS" in pdf.pages[0].extract_text()

    page.get_by_role("button", name="Mark these as printed").click()

    expect(page.locator(".messages")).to_have_text("1 document marked as printed.")
    expect(page.get_by_text("Nothing is waiting to be printed.")).to_be_visible()
    assert DeliveryAttempt.objects.get(pk=queued_letter.pk).result == "printed"
