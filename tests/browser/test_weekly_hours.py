"""Hours in the weekly grid: an employee registers a week, the project manager approves the
hours on the project page, the approved hours are locked in the grid, and finance invoices
them."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kunde.invoices.models import Invoice
from kunde.projects.models import TimeEntry

pytestmark = pytest.mark.browser


def test_register_a_week_approve_it_and_invoice_it(
    transactional_db, company, page, sign_in, t, manager, finance, project
):
    project.hourly_rate_ore = 120000
    project.save()
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)  # last week: every day is past
    sign_in(manager)
    page.goto(f"/projects/hours/?week={monday.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(t("Hours"))

    page.locator("#row-0-project").select_option(str(project.pk))
    page.locator("#row-0-description").fill("Utvikling")
    page.locator("#row-0-day-0").fill("7:30")
    page.locator("#row-0-day-1").fill("2,5")
    page.locator("#row-0-day-2").fill("lots")
    page.get_by_role("button", name=t("Save week")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert not TimeEntry.objects.exists()

    page.locator("#row-0-day-2").fill("")
    page.get_by_role("button", name=t("Save week")).click()
    expect(page.locator(".messages")).to_have_text(t("The week is saved."))
    assert sorted(TimeEntry.objects.values_list("date", "minutes")) == [
        (monday, 450),
        (monday + dt.timedelta(days=1), 150),
    ]
    expect(page.locator("tfoot")).to_contain_text("10,00")

    page.get_by_role("link", name=str(project)).click()
    expect(page.locator("[data-open-hours]")).to_have_text("10,00")
    page.get_by_role("button", name=t("Approve all open hours")).click()
    expect(page.locator(".messages")).to_contain_text("2")
    expect(page.locator("[data-approved-hours]")).to_have_text("10,00")
    assert set(TimeEntry.objects.values_list("approved", flat=True)) == {True}

    page.goto(f"/projects/hours/?week={monday.isoformat()}")
    expect(page.locator("#row-0-day-0")).to_have_count(0)  # locked: no input any more
    expect(page.locator("tbody tr").first.locator(".locked")).to_have_count(2)

    # Finance makes the invoice draft from the approved hours.
    page.get_by_role("button", name=t("Sign out")).click()
    sign_in(finance)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("link", name=t("Invoice approved hours")).click()
    page.get_by_role("button", name=t("Create draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Invoice draft"))
    invoice = Invoice.objects.get()
    assert (invoice.project, invoice.net_ore) == (project, 10 * 120000)
    assert set(TimeEntry.objects.values_list("invoice_line__invoice", flat=True)) == {invoice.pk}
