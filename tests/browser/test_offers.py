"""An offer from compose to invoice: a co-worker composes an offer with an optional line and
sends it; the customer opens the e-mailed link in a browser of their own (no sign-in), chooses
the optional line and accepts; the firm sees the project the offer became, registers hours in
the weekly grid on the offer's hourly activity, approves them on the approvals page and sees
them against the activity's budget, and finance invoices the project: the hours at the
activity's rate and the chosen fixed-price line as a milestone."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from kunde.invoices.models import Invoice
from kunde.offers.models import Offer

pytestmark = pytest.mark.browser


def test_compose_send_accept_online_with_an_option_and_invoice_the_project(
    page, browser, live_server, sign_in, t, manager, finance, customer, company
):
    sign_in(manager)
    page.goto(f"/customers/{customer.pk}/offers/")
    page.get_by_role("link", name=t("New offer")).click()
    page.locator("#id_name").fill("Ny nettside")
    page.locator("#id_lines-0-section").fill("Design")
    page.locator("#id_lines-0-kind").select_option("hourly")
    page.locator("#id_lines-0-description").fill("Design og workshops")
    page.locator("#id_lines-0-quantity").fill("10")
    page.locator("#id_lines-0-unit_price").fill("1200")
    page.locator("#id_lines-1-section").fill("Design")
    page.locator("#id_lines-1-kind").select_option("fixed")
    page.locator("#id_lines-1-description").fill("Logo")
    page.locator("#id_lines-1-quantity").fill("1")
    page.locator("#id_lines-1-unit_price").fill("5000")
    page.locator("#id_lines-1-optional").check()
    page.get_by_role("button", name=t("Save")).click()

    expect(page.get_by_test_id("offer-status")).to_have_text(t("Draft"))
    expect(page.get_by_test_id("offer-net")).to_contain_text(re.compile(r"12\s000"))
    page.get_by_role("button", name=t("Send by e-mail")).click()
    expect(page.get_by_test_id("offer-status")).to_have_text(t("Sent"))
    offer = Offer.objects.get()
    assert offer.number == 1

    # The customer's own browser: a fresh context, nobody signed in.
    [message] = mail.outbox
    assert message.to == ["post@fjellheim.no"]
    link = re.search(r"https?://\S+/offer/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)
    customer_context = browser.new_context(locale="nb-NO")
    try:
        public = customer_context.new_page()
        public.goto(link)
        expect(public.get_by_role("heading", level=1)).to_contain_text("Ny nettside")
        public.get_by_label("Logo").check()
        public.locator("#id_name").fill("Kari Nordmann")
        public.locator("#id_title").fill("Daglig leder")
        public.locator("#id_confirmed").check()
        public.get_by_role("button", name="Aksepter tilbudet").click()
        expect(public.get_by_test_id("public-result")).to_contain_text("Kari Nordmann")
        expect(public.get_by_test_id("public-answer")).to_have_count(0)
    finally:
        customer_context.close()

    offer.refresh_from_db()
    assert offer.status == "accepted" and offer.lines.get(optional=True).chosen
    page.reload()
    expect(page.get_by_test_id("offer-status")).to_have_text(t("Accepted"))
    expect(page.get_by_test_id("offer-project")).to_contain_text("Ny nettside")
    expect(page.get_by_test_id("offer-net")).to_contain_text(re.compile(r"17\s000"))
    page.goto(f"/customers/{customer.pk}/offers/")
    table = page.get_by_test_id("offers-table")
    expect(table).to_contain_text(f"{offer.project.number} Ny nettside")
    expect(page.get_by_test_id("offer-sums")).to_contain_text(re.compile(r"17\s000"))
    table.get_by_role("link", name=f"{offer.project.number} Ny nettside").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ny nettside")
    expect(page.get_by_test_id("project-remaining")).to_contain_text(re.compile(r"17\s000"))

    # Hours in the weekly grid on the offer's hourly activity, approved by the project
    # manager (who made the offer) on the approvals page; the project page shows them against
    # the activity's budget.
    project = offer.project
    design = project.activities.get(name="Design og workshops")
    page.goto("/projects/hours/")
    page.locator("#row-0-project").select_option(
        label=f"{project} – Design og workshops · {customer.name}"
    )
    page.locator(f"#row-0-day-{timezone.localdate().weekday()}").fill("6")
    page.get_by_role("button", name=t("Save week")).click()
    expect(page.locator("[data-activity]").first).to_have_text("Design og workshops")
    page.goto("/projects/")
    page.get_by_role("link", name=t("Approvals")).click()
    hours = page.locator("[data-approval-hours]")
    expect(hours).to_contain_text(str(project))
    hours.get_by_role("checkbox").check()
    page.get_by_role("button", name=t("Approve selected")).click()
    expect(page.get_by_text(t("No hours wait for your approval."))).to_be_visible()
    page.goto(f"/projects/{project.pk}/")
    expect(page.locator("[data-approved-hours]")).to_contain_text("6")
    budget = page.locator('[data-budget] tr[data-activity="Design og workshops"]')
    expect(budget.locator("[data-registered-hours]")).to_have_text(re.compile(r"6,00"))
    expect(budget.locator("[data-remaining-hours]")).to_have_text(re.compile(r"4,00"))
    assert design.time_entries.count() == 1

    # Finance invoices the project: 6 h at the offer's 1 200 kr and the "Logo" milestone.
    page.get_by_role("button", name=t("Sign out")).click()
    sign_in(finance)
    page.goto(f"/invoices/new/?customer={customer.pk}")
    page.locator(f"#project-{project.pk}").check()
    page.get_by_role("button", name=t("Create draft")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Invoice draft"))
    invoice = Invoice.objects.get()
    lines = {line.description: line.net_ore for line in invoice.lines.all()}
    assert lines.pop("Milestone: Logo") == 500000
    assert list(lines.values()) == [720000]
