"""The customer profile, its invoices tab, its ledger and its activity log in the reader's
language: run in English and in Norwegian (the users' default)."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from kunde.invoices.services import invoice_issue
from kunde.payments.services import payment_register
from tests.browser.languages import both_languages

pytestmark = pytest.mark.browser

# What the Norwegian run must show, word for word (t() alone would accept English words
# if a translation went missing).
NORWEGIAN = {
    "Customer details": "Kundeopplysninger",
    "Invoices and credit notes": "Fakturaer og kreditnotaer",
    "New invoice": "Ny faktura",
    "Ledger": "Reskontro",
    "Balance": "Saldo",
    "issued": "Faktura 1 utstedt 01.10.2026, totalt 16",
    "paid": "Innbetaling på 5",
}


@pytest.fixture
def invoice(draft, finance):
    """Invoice 1 to the customer, issued on 1 October 2026 (16 185 kr), 5 000 kr paid."""
    invoice = invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 10, 1))
    payment_register(actor=finance, invoice=invoice, amount_ore=500000, date=date(2026, 10, 15))
    return invoice


@both_languages
def test_profile_invoices_ledger_and_activity_in_the_readers_language(
    page, sign_in, finance, customer, invoice, language, t
):
    sign_in(finance)
    page.goto(f"/customers/{customer.pk}/")
    tabs = page.get_by_role("navigation", name=t("Customer"), exact=True)
    expect(page.get_by_role("heading", name=t("Customer details"))).to_be_visible()

    tabs.get_by_role("link", name=t("Invoices"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Invoices and credit notes"))).to_be_visible()
    expect(page.get_by_role("link", name=t("New invoice"))).to_be_visible()
    expect(page.locator("table.report-table tbody tr")).to_have_count(1)

    tabs.get_by_role("link", name=t("Ledger"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Ledger"), exact=True)).to_be_visible()
    expect(page.get_by_role("columnheader", name=t("Balance"))).to_be_visible()
    row = page.locator(f'[data-ledger-row="invoice-{invoice.pk}"]')
    expect(row).to_contain_text(f"{t('Invoice')} 1")
    expect(page.locator(".ledger-payment")).to_have_count(1)

    tabs.get_by_role("link", name=t("Activity log"), exact=True).click()
    entries = page.locator("ol.activity > li")
    issued = entries.filter(has_text=re.compile(r" 1 (issued|utstedt) "))
    expect(issued.locator("time")).to_have_attribute("datetime", "2026-10-01")
    expect(issued).to_contain_text("01.10.2026")
    expect(issued).not_to_contain_text("16185.00")

    if language == "nb":
        page.goto(f"/customers/{customer.pk}/")
        expect(page.get_by_role("heading", level=2).first).to_have_text(
            NORWEGIAN["Customer details"]
        )
        page.goto(f"/customers/{customer.pk}/invoices/")
        expect(page.locator("#report-title")).to_have_text(NORWEGIAN["Invoices and credit notes"])
        expect(page.get_by_role("link", name=NORWEGIAN["New invoice"])).to_be_visible()
        page.goto(f"/customers/{customer.pk}/ledger/")
        expect(page.locator("#ledger-title")).to_have_text(NORWEGIAN["Ledger"])
        expect(page.get_by_role("columnheader", name=NORWEGIAN["Balance"])).to_be_visible()
        page.goto(f"/customers/{customer.pk}/activity/")
        expect(page.locator("ol.activity")).to_contain_text(NORWEGIAN["issued"])
        expect(page.locator("ol.activity")).to_contain_text(NORWEGIAN["paid"])
    else:
        expect(issued).to_contain_text("Invoice 1 issued 01.10.2026, total NOK16,185.00")
