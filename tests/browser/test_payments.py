"""Finance imports an OCR giro file, assigns the payment with an unknown KID by hand, and sees the
customer's ledger and the invoices' payment status follow; a large file imports in the
background while its page shows the progress."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kunde.invoices import services as invoice_services
from kunde.jobs.tests.conftest import queue, start_worker  # noqa: F401  (fixtures)
from kunde.payments.tests.conftest import ocr_file, ocr_transaction

pytestmark = pytest.mark.browser


def money(text: str) -> re.Pattern:
    """An amount as the pages show it, with (non-breaking) spaces between the digit groups."""
    return re.compile(re.escape(text).replace(r"\ ", r"\s"))


@pytest.fixture
def invoices(transactional_db, company, customer, finance, draft):
    """Two issued invoices of the customer: 16 185,00 kr and 2 500,00 kr, due in 14 days."""
    second = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Workshop", "quantity": "1", "unit_price_ore": 200000}],
    )
    return [
        invoice_services.invoice_issue(actor=finance, invoice=draft),
        invoice_services.invoice_issue(actor=finance, invoice=second),
    ]


def ledger_row(page, invoice):
    return page.locator(f'[data-ledger-row="invoice-{invoice.pk}"]')


def test_import_assign_the_unmatched_payment_and_see_the_ledger(
    page, sign_in, finance, customer, invoices, tmp_path
):
    first, second = invoices
    today = timezone.localdate()
    path = tmp_path / "OCR.20261124.txt"
    path.write_bytes(
        ocr_file(
            [
                ocr_transaction(1, first.total_ore, first.kid, day=today),
                ocr_transaction(2, second.total_ore, "12345674", day=today),  # unknown KID
            ],
            transmission="2400001",
        )
    )
    sign_in(finance)

    # Before: both invoices outstanding.
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("navigation", name="Customer").get_by_role("link", name="Ledger").click()
    expect(page.get_by_test_id("ledger-balance")).to_have_text(money("18 685,00 kr"))
    expect(ledger_row(page, first)).to_contain_text("Outstanding")
    expect(ledger_row(page, second)).to_contain_text("Outstanding")

    # Import the file.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments").click()
    page.get_by_label("Bank file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("OCR.20261124.txt")
    expect(summary.locator('[data-count="transactions"]')).to_have_text("2")
    expect(summary.locator('[data-count="matched"]')).to_have_text("1")
    expect(summary.locator('[data-count="unmatched"]')).to_have_text("1")
    expect(summary.locator('[data-count="total"]')).to_have_text(money("18 685,00 kr"))
    page.screenshot(path=str(_screenshot("payments_import_summary")), full_page=True)

    # Assign the payment with the unknown KID to the second invoice.
    page.get_by_role("link", name="Unmatched payments").first.click()
    expect(page.locator(".count")).to_contain_text("1 payment has no known owner.")
    card = page.locator("[data-unmatched]")
    expect(card).to_contain_text("12345674")
    expect(card).to_contain_text(money("2 500,00 kr"))
    card.get_by_label("Invoice number").fill(str(second.number))
    card.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator(".messages")).to_contain_text(
        f"assigned to Invoice {second.number} ({customer.name})"
    )
    expect(page.locator(".count")).to_contain_text("0 payments have no known owner.")

    # After: the ledger balances and both invoices are paid.
    page.goto(f"/customers/{customer.pk}/ledger/")
    expect(page.get_by_test_id("ledger-balance")).to_have_text(money("0,00 kr"))
    expect(ledger_row(page, first)).to_contain_text("Paid")
    expect(ledger_row(page, second)).to_contain_text("Paid")
    expect(page.locator(".ledger-payment")).to_have_count(2)
    page.screenshot(path=str(_screenshot("payments_ledger_tab")), full_page=True)

    # And the invoices tab colours them as paid.
    page.get_by_role("navigation", name="Customer").get_by_role("link", name="Invoices").click()
    expect(page.locator("tr.pay-row-paid")).to_have_count(2)


def test_a_large_file_is_booked_by_a_worker_with_a_progress_bar(
    page,
    sign_in,
    finance,
    invoices,
    tmp_path,
    queue,  # noqa: F811
    start_worker,  # noqa: F811  (fixtures imported above)
):
    first, _second = invoices
    path = tmp_path / "OCR.big.txt"
    path.write_bytes(ocr_file([ocr_transaction(1, first.total_ore, first.kid)]))
    queue.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    sign_in(finance)
    page.goto("/payments/import/")
    page.get_by_label("Bank file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()

    # Queued: no worker runs yet, so the page shows the bar and waits.
    expect(page.locator(".import-progress progress")).to_be_visible()
    expect(page.locator(".import-progress [role=status]")).to_have_text("Reading the file…")
    # A real `kunde worker` process books it; the page asks every second and shows the result.
    start_worker()
    expect(page.get_by_test_id("import-summary").locator(".badge")).to_have_text(
        "Booked", timeout=60_000
    )
    expect(page.locator('[data-count="matched"]')).to_have_text("1")
    expect(page.locator(".import-progress")).to_have_count(0)


def _screenshot(name: str):
    from tests.conftest import output_dir

    folder = output_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.png"
