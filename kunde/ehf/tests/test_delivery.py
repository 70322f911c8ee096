"""EHF delivery through an access point (a local fake), idempotent and never sent twice."""

import pytest

from kunde.ehf.delivery import ehf_deliver, ehf_poll
from kunde.ehf.models import EhfStatus
from kunde.ehf.tests.fake_access_point import FakeAccessPoint
from kunde.invoices.delivery import invoice_send


@pytest.fixture
def access_point(settings):
    with FakeAccessPoint() as fake:
        settings.EHF_ACCESS_POINT_URL = fake.url
        settings.EHF_ACCESS_POINT_TOKEN = "secret"
        settings.EHF_ACCESS_POINT_TIMEOUT = 0.5
        yield fake


@pytest.mark.django_db(transaction=True)
def test_an_accepted_document_is_sent_then_delivered(access_point, make_issued):
    invoice = make_issued()
    delivery = ehf_deliver(invoice.pk)
    assert (delivery.status, delivery.provider_id, delivery.attempts) == ("sent", "doc-1", 1)
    (sent,) = access_point.documents.values()
    assert b"<cbc:ID>1</cbc:ID>" in sent["xml"]
    sent["status"] = "delivered"
    assert ehf_poll(invoice.pk).status == EhfStatus.DELIVERED
    assert invoice.customer.activity.filter(action="invoice.ehf_delivered").exists()


@pytest.mark.django_db(transaction=True)
def test_a_document_is_never_sent_twice(access_point, make_issued):
    invoice = make_issued()
    ehf_deliver(invoice.pk)
    again = ehf_deliver(invoice.pk)
    assert again.status == EhfStatus.SENT
    assert access_point.posts == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_retried_with_the_same_key(access_point, make_issued):
    invoice = make_issued()
    access_point.mode = "fail"
    failed = ehf_deliver(invoice.pk)
    assert failed.status == EhfStatus.FAILED
    assert "503" in failed.reason
    access_point.mode = "accept"
    sent = ehf_deliver(invoice.pk)
    assert (sent.status, sent.attempts) == (EhfStatus.SENT, 2)
    assert list(access_point.documents) == [sent.idempotency_key]


@pytest.mark.django_db(transaction=True)
def test_a_rejected_document_keeps_the_reason(access_point, make_issued):
    access_point.mode = "reject"
    delivery = ehf_deliver(make_issued().pk)
    assert delivery.status == EhfStatus.REJECTED
    assert "not found" in delivery.reason


@pytest.mark.django_db(transaction=True)
def test_a_provider_that_does_not_answer_in_time_fails_with_the_reason(access_point, make_issued):
    access_point.mode = "timeout"
    delivery = ehf_deliver(make_issued().pk)
    assert delivery.status == EhfStatus.FAILED
    assert "did not answer" in delivery.reason


@pytest.mark.django_db(transaction=True)
def test_an_invalid_document_is_never_sent(access_point, make_issued):
    delivery = ehf_deliver(make_issued(order_reference="", your_reference="").pk)
    assert delivery.status == EhfStatus.FAILED
    assert "PEPPOL-EN16931-R003" in delivery.reason
    assert access_point.posts == 0


@pytest.mark.django_db(transaction=True)
def test_the_outbox_gets_the_document(settings, make_issued):
    from django.core.files.storage import default_storage

    settings.EHF_ACCESS_POINT_URL = ""
    settings.EHF_OUTBOX = "ehf-outbox"
    delivery = ehf_deliver(make_issued().pk)
    assert delivery.status == EhfStatus.SENT
    with default_storage.open(f"ehf-outbox/{delivery.idempotency_key}.xml") as file:
        assert file.read().startswith(b"<?xml")


@pytest.mark.django_db(transaction=True)
def test_sending_to_an_ehf_customer_goes_as_ehf(access_point, make_issued, finance):
    attempt = invoice_send(actor=finance, invoice=make_issued())
    assert (attempt.channel, attempt.result) == ("ehf", "sent")
    assert attempt.recipient == "0192:923609016"


@pytest.mark.django_db(transaction=True)
def test_a_customer_that_cannot_receive_gets_email_recorded_as_such(
    access_point, make_issued, finance, mailoutbox
):
    from django.utils import timezone

    from kunde.ehf.models import EhfReceiver

    invoice = make_issued()
    EhfReceiver.objects.create(
        customer=invoice.customer,
        organization_number="923609016",
        can_receive=False,
        detail="Not registered in the Peppol network.",
        checked_at=timezone.now(),
    )
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert (attempt.channel, attempt.result) == ("email", "sent")
    assert "cannot receive EHF" in attempt.note or "kan ikke motta EHF" in attempt.note
    assert invoice.ehf_delivery.status == EhfStatus.EMAILED
    assert access_point.posts == 0
    assert len(mailoutbox) == 1
