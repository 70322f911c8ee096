"""An offer from compose to project: a co-worker composes an offer with an optional line and
sends it; the customer opens the e-mailed link in a browser of their own (no sign-in), chooses
the optional line and accepts; the firm sees the project the offer became."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kunde.offers.models import Offer

pytestmark = pytest.mark.browser


def test_compose_send_accept_online_with_an_option_and_see_the_project(
    page, browser, live_server, sign_in, t, manager, customer, company
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
