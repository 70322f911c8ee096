"""EHF on the pages: warnings on a draft for an EHF customer, the status on an issued one."""

import pytest
from django.utils import translation

from kunde.ehf.models import EhfDelivery, EhfReceiver


@pytest.mark.django_db
def test_a_draft_for_an_ehf_customer_warns_about_what_ehf_needs(
    client_for, finance, ehf_customer, draft
):
    from kunde.customers.models import Customer

    Customer.objects.filter(pk=ehf_customer.pk).update(postal_street="")
    page = client_for(finance).get(f"/invoices/{draft.pk}/").content.decode()
    assert 'data-testid="ehf-warnings"' in page
    assert "buyer reference" in page or "kundereferanse" in page.lower() or "referanse" in page


@pytest.mark.django_db
def test_a_draft_for_an_ehf_customer_that_cannot_receive_is_flagged(ehf_customer, draft):
    from django.utils import timezone

    from kunde.ehf.warnings import draft_ehf_warnings

    draft.order_reference = "PO-1"
    draft.save()
    EhfReceiver.objects.create(
        customer=ehf_customer,
        organization_number="923609016",
        can_receive=False,
        detail="Not registered in the Peppol network.",
        checked_at=timezone.now(),
    )
    (warning,) = draft_ehf_warnings(draft)
    assert "Not registered" in warning


@pytest.mark.django_db
def test_a_draft_for_an_email_customer_has_no_ehf_warnings(client_for, finance, draft):
    page = client_for(finance).get(f"/invoices/{draft.pk}/").content.decode()
    assert 'data-testid="ehf-warnings"' not in page


@pytest.mark.django_db
def test_an_issued_document_shows_its_ehf_status(client_for, reader, make_issued):
    invoice = make_issued()
    EhfDelivery.objects.create(
        invoice=invoice, status="rejected", reason="Unknown receiver", idempotency_key="k"
    )
    page = client_for(reader).get(f"/invoices/{invoice.pk}/").content.decode()
    assert 'data-testid="ehf-status"' in page and "Unknown receiver" in page


@pytest.mark.django_db
def test_the_invoices_tab_can_show_the_ehf_status(client_for, finance, make_issued):
    from kunde.invoices import report

    invoice = make_issued()
    EhfDelivery.objects.create(invoice=invoice, status="delivered", idempotency_key="k")
    report.report_columns_save(
        user=finance, report=report.CUSTOMER_REPORT, keys=["number", "ehf_status"]
    )
    page = client_for(finance).get(f"/customers/{invoice.customer_id}/invoices/")
    assert page.status_code == 200
    assert "Delivered" in page.content.decode() or "Levert" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_document_that_fails_the_rules_shows_them_and_is_not_sent(
    client_for, finance, make_issued, settings, smp_network
):
    from kunde.ehf.tests.fake_access_point import FakeAccessPoint
    from kunde.invoices.delivery import invoice_send

    invoice = make_issued(order_reference="", your_reference="")
    with FakeAccessPoint() as access_point:
        settings.EHF_ACCESS_POINT_URL = access_point.url
        settings.EHF_ACCESS_POINT_TOKEN = "secret"
        invoice_send(actor=finance, invoice=invoice)
    assert access_point.posts == 0
    page = client_for(finance).get(f"/invoices/{invoice.pk}/").content.decode()
    table = page[page.index('data-testid="ehf-failures"') :]
    table = table[: table.index("</table>")]
    assert "<code>PEPPOL-EN16931-R003</code>" in table
    assert 'data-flag="fatal"' in table
    assert "The buyer reference is missing" in table  # what to fix, in plain words
    assert "nothing was sent" in page


@pytest.mark.django_db
def test_the_failed_rules_are_explained_in_norwegian(client_for, finance, make_issued):
    invoice = make_issued()
    EhfDelivery.objects.create(
        invoice=invoice,
        status="failed",
        idempotency_key="k",
        failures=[
            {"rule": "NO-R-002", "flag": "warning", "location": "/Invoice", "text": "t2"},
            {"rule": "PEPPOL-EN16931-R010", "flag": "fatal", "location": "/Invoice", "text": "t"},
        ],
    )
    page = (
        client_for(finance)
        .get(f"/invoices/{invoice.pk}/", HTTP_ACCEPT_LANGUAGE="nb")
        .content.decode()
    )
    translation.activate("en")  # the test client leaves the page's language on the thread
    assert "Kundens organisasjonsnummer mangler" in page
    assert page.index("PEPPOL-EN16931-R010") < page.index("NO-R-002")  # fatal first
