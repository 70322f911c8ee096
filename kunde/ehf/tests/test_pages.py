"""EHF on the pages: warnings on a draft for an EHF customer, the status on an issued one."""

import pytest

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
