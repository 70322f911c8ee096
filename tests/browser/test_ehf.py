"""Finance verifies that a customer can receive EHF, issues an invoice and sees it delivered
(a local SMP and a local access point stand in for the Peppol network)."""

import pytest
from playwright.sync_api import expect

from kunde.customers.models import Customer
from kunde.ehf.delivery import ehf_poll
from kunde.ehf.tests.fake_access_point import FakeAccessPoint
from kunde.ehf.tests.test_receivers import BOTH, FakeSmp
from kunde.invoices import services

pytestmark = pytest.mark.browser


@pytest.fixture
def network(settings):
    smp = FakeSmp()
    smp.participants["923609016"] = BOTH
    with FakeAccessPoint() as access_point:
        settings.PEPPOL_SMP_URL = smp.url
        settings.EHF_ACCESS_POINT_URL = access_point.url
        settings.EHF_ACCESS_POINT_TOKEN = "secret"
        yield access_point
    smp.close()


def test_verify_issue_and_see_it_delivered(page, sign_in, admin, company, customer, network):
    page.on("dialog", lambda dialog: dialog.accept())
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="ehf")
    sign_in(admin)

    page.goto(f"/customers/{customer.pk}/")
    page.get_by_test_id("ehf-verify").click()
    expect(page.locator(".messages")).to_contain_text("Accepts EHF Billing 3.0")
    expect(page.get_by_test_id("ehf-status")).to_contain_text("Can receive EHF")

    draft = services.invoice_draft_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": "3", "unit_price_ore": 125000}],
    )
    page.goto(f"/invoices/{draft.pk}/")
    expect(page.get_by_test_id("ehf-warnings")).to_contain_text("buyer reference is missing")
    draft.order_reference = "PO-77"
    draft.save()
    page.reload()
    expect(page.get_by_test_id("ehf-warnings")).to_have_count(0)

    page.get_by_role("button", name="Issue and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 1")
    expect(page.get_by_test_id("ehf-status")).to_have_text("Sent")
    assert network.posts == 1

    (document,) = network.documents.values()
    document["status"] = "delivered"
    ehf_poll(draft.pk)
    page.reload()
    expect(page.get_by_test_id("ehf-status")).to_have_text("Delivered")


def test_a_document_failing_the_rules_shows_what_to_fix_and_is_not_sent(
    page, sign_in, admin, company, customer, network
):
    page.on("dialog", lambda dialog: dialog.accept())
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="ehf")
    sign_in(admin)
    draft = services.invoice_draft_create(
        actor=admin,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": "2", "unit_price_ore": 90000}],
    )
    page.goto(f"/invoices/{draft.pk}/")
    page.get_by_role("button", name="Issue and send").click()  # despite the warning
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice 1")
    expect(page.get_by_test_id("ehf-status")).to_have_text("Failed")
    failures = page.get_by_test_id("ehf-failures")
    expect(failures.locator("tr[data-flag=fatal]").first).to_contain_text("PEPPOL-EN16931-R003")
    expect(failures).to_contain_text("The buyer reference is missing")
    assert network.posts == 0
