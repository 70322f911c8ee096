"""Finance sets a customer's own invoicing options and agrees an hourly rate."""

import re

import pytest
from playwright.sync_api import expect

from kunde.invoices.models import HourlyRate, InvoiceOptions
from kunde.invoices.options import effective_options

pytestmark = pytest.mark.browser


def setting(page, name):
    return page.locator(f'tr[data-setting="{name}"]')


def test_finance_sets_credit_days_and_a_recipient_then_adds_an_hourly_rate(
    page, sign_in, transactional_db, finance, manager, customer
):
    InvoiceOptions.objects.create(level="company", credit_days=10)
    tab = f"/customers/{customer.pk}/invoicing-options/"
    sign_in(finance)
    page.goto(tab)
    expect(page.get_by_role("heading", level=1)).to_have_text(customer.name)
    credit_days = setting(page, "credit_days")
    expect(credit_days.get_by_test_id("source")).to_have_text("From company default")
    expect(credit_days.locator(".applies")).to_have_text("10")

    page.get_by_label("Credit days").fill("30")
    page.get_by_label("Invoice e-mail recipients").fill("faktura@fjellheim.no")
    page.get_by_role("button", name="Save invoicing options").click()

    expect(page.locator(".messages")).to_have_text("Invoicing options saved.")
    expect(credit_days.get_by_test_id("source")).to_have_text("Set for this customer")
    expect(credit_days.locator(".applies")).to_have_text("30")
    expect(credit_days).to_contain_text("Inherited: 10 (from company default)")
    expect(page.get_by_label("Credit days")).to_have_value("30")
    recipients = setting(page, "email_to")
    expect(recipients.locator(".applies")).to_have_text("faktura@fjellheim.no")
    expect(recipients.get_by_test_id("source")).to_have_text("Set for this customer")
    options = effective_options(customer)
    assert (options.credit_days, options.email_recipients) == (30, ["faktura@fjellheim.no"])

    page.goto(f"/customers/{customer.pk}/")
    latest = page.get_by_role("region", name="Recent activity").locator("ol.activity > li").first
    expect(latest).to_contain_text("Frida Finans")
    expect(latest).to_contain_text(
        "Changed invoicing options: credit days, invoice e-mail recipients"
    )
    row = latest.locator("tr", has=page.get_by_role("rowheader", name="Credit days"))
    expect(row.locator("del")).to_have_text("–")
    expect(row.locator("ins")).to_have_text("30")

    page.goto(tab)
    rates = page.get_by_role("region", name="Hourly rates")
    expect(rates).to_contain_text("No agreed hourly rates.")
    rates.get_by_label("Employee").select_option(label="Mats Kundeansvarlig")
    rates.get_by_label("Price per hour (kr)").fill("1250,50")
    rates.get_by_label("Valid from").fill("2026-01-01")
    rates.get_by_role("button", name="Add hourly rate").click()

    expect(page.locator(".messages")).to_have_text("Hourly rate added.")
    expect(page).to_have_url(re.compile(rf"{tab}#hourly-rates$"))
    row = rates.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Mats Kundeansvarlig")
    expect(row).to_contain_text("All projects")
    expect(row).to_contain_text("1\xa0250,50\xa0kr")
    expect(row).to_contain_text("01.01.2026")
    expect(row).to_contain_text("until further notice")
    rate = HourlyRate.objects.get()
    assert (rate.customer, rate.employee, rate.rate_ore) == (customer, manager, 125050)


def test_one_line_per_time_entry_when_the_customer_wants_it(
    page, sign_in, finance, customer, billable_project
):
    sign_in(finance)
    page.goto(f"/customers/{customer.pk}/invoicing-options/")
    hour_lines = setting(page, "hour_lines")
    expect(hour_lines.locator(".applies")).to_have_text("One line per employee and price")

    page.get_by_label("Hour lines on the invoice").select_option(label="One line per time entry")
    page.get_by_role("button", name="Save invoicing options").click()

    expect(page.locator(".messages")).to_have_text("Invoicing options saved.")
    expect(hour_lines.get_by_test_id("source")).to_have_text("Set for this customer")
    page.goto(f"/invoices/new/?customer={customer.pk}")
    page.get_by_label("1001 Nytt intranett").check()
    page.get_by_label("Invoice the project's approved, not yet invoiced hours").check()
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".messages")).to_have_text("Invoice draft created.")
    descriptions = page.locator('tr[data-line-row] [name$="-description"]')
    # Three entries, three lines, and the editor's empty row for a new line.
    expect(descriptions).to_have_count(4)
    expect(descriptions.nth(0)).to_have_value("01.10.2026, Mats Kundeansvarlig")
    expect(descriptions.nth(1)).to_have_value("02.10.2026, Mats Kundeansvarlig")
    expect(descriptions.nth(2)).to_have_value("02.10.2026, Frida Finans")
    expect(descriptions.nth(3)).to_have_value("")
