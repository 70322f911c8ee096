"""EHF delivery as background jobs through an access point (a local fake): queued, sent,
delivered or rejected, retried with back-off when the provider is down, never sent twice."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from kunde.company.models import Company
from kunde.ehf.delivery import ehf_deliver, ehf_poll, ehf_send
from kunde.ehf.models import EhfReceiver, EhfStatus
from kunde.ehf.tests.fake_access_point import FakeAccessPoint
from kunde.invoices.delivery import invoice_send
from kunde.jobs.models import Job, JobState

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def access_point(settings, smp_network):
    with FakeAccessPoint() as fake:
        settings.EHF_ACCESS_POINT_URL = fake.url
        settings.EHF_ACCESS_POINT_TOKEN = "secret"
        settings.EHF_ACCESS_POINT_TIMEOUT = 0.5
        settings.EHF_DELIVERY_ATTEMPTS = 3
        settings.EHF_DELIVERY_RETRY_SECONDS = 0
        settings.EHF_POLL_ATTEMPTS = 0  # the tests poll themselves unless they say otherwise
        yield fake


def test_sending_queues_a_job_that_sends_the_document(access_point, make_issued, finance):
    invoice = make_issued()
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert (attempt.channel, attempt.result, attempt.recipient) == ("ehf", "sent", "0192:923609016")
    invoice.refresh_from_db()
    delivery = invoice.ehf_delivery
    assert (delivery.status, delivery.provider_id, delivery.attempts) == ("sent", "doc-1", 1)
    (sent,) = access_point.documents.values()
    assert b"<cbc:ID>1</cbc:ID>" in sent["xml"]
    job = Job.objects.get(kind="ehf.deliver")
    assert (job.state, job.invoice_id, job.params["attempt"]) == (
        "succeeded",
        invoice.pk,
        attempt.pk,
    )
    actions = list(invoice.customer.activity.values_list("action", flat=True))
    assert "invoice.ehf_queued" in actions and "invoice.ehf_sent" in actions


def test_the_poll_job_records_delivery(access_point, make_issued, finance, settings):
    settings.EHF_POLL_ATTEMPTS = 2
    settings.EHF_POLL_RETRY_SECONDS = 0
    invoice = make_issued()
    invoice_send(actor=finance, invoice=invoice)
    poll = Job.objects.get(kind="ehf.poll")
    assert (poll.state, poll.attempts) == ("failed", 2)  # still "sent" after both asks
    (document,) = access_point.documents.values()
    document["status"] = "delivered"
    assert ehf_poll(invoice.pk).status == EhfStatus.DELIVERED
    assert invoice.customer.activity.filter(action="invoice.ehf_delivered").exists()


def test_a_document_is_never_sent_twice(access_point, make_issued, finance):
    invoice = make_issued()
    invoice_send(actor=finance, invoice=invoice)
    with pytest.raises(ValidationError, match="not sent twice|ikke to ganger"):
        invoice_send(actor=finance, invoice=invoice)
    assert ehf_deliver(invoice.pk).status == EhfStatus.SENT  # a stray job call: nothing sent
    assert access_point.posts == 1
    assert invoice.deliveries.count() == 1


def test_a_provider_that_is_down_is_tried_again_with_the_same_key(
    access_point, make_issued, finance
):
    access_point.fail_first = 2
    invoice = make_issued()
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "sent"
    assert access_point.posts == 3
    invoice.refresh_from_db()
    delivery = invoice.ehf_delivery
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert list(access_point.documents) == [delivery.idempotency_key]
    job = Job.objects.get(kind="ehf.deliver")
    assert (job.state, job.attempts) == ("succeeded", 3)


def test_a_provider_down_every_time_fails_after_the_last_try(access_point, make_issued, finance):
    access_point.mode = "fail"
    invoice = make_issued()
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "failed" and "503" in attempt.error
    invoice.refresh_from_db()
    assert invoice.ehf_delivery.status == EhfStatus.FAILED
    assert "503" in invoice.ehf_delivery.reason
    assert access_point.posts == 3
    assert Job.objects.get(kind="ehf.deliver").state == JobState.FAILED
    # Sent again by a person later, when the provider is back: same key, one document.
    access_point.mode = "accept"
    again = invoice_send(actor=finance, invoice=invoice)
    assert again.result == "sent"
    assert len(access_point.documents) == 1


def test_a_refusal_is_not_retried(access_point, make_issued, finance):
    access_point.mode = "refuse"
    attempt = invoice_send(actor=finance, invoice=make_issued())
    assert attempt.result == "failed" and "400" in attempt.error
    assert access_point.posts == 1
    assert Job.objects.get(kind="ehf.deliver").attempts == 1


def test_a_rejected_document_keeps_the_reason(access_point, make_issued, finance):
    access_point.mode = "reject"
    invoice = make_issued()
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "failed" and "not found" in attempt.error
    invoice.refresh_from_db()
    assert invoice.ehf_delivery.status == EhfStatus.REJECTED
    with pytest.raises(ValidationError, match="preferred invoice type|foretrukne fakturatype"):
        invoice_send(actor=finance, invoice=invoice)
    assert access_point.posts == 1


def test_a_provider_that_does_not_answer_in_time_is_tried_again(access_point, make_issued):
    access_point.mode = "timeout"
    invoice = make_issued()
    from kunde.ehf.delivery import AccessPointError

    with translation.override("en"), pytest.raises(AccessPointError, match="did not answer"):
        ehf_deliver(invoice.pk)
    invoice.refresh_from_db()
    assert invoice.ehf_delivery.status == EhfStatus.QUEUED  # not failed: a retry follows
    assert "did not answer" in invoice.ehf_delivery.reason


def test_an_invalid_document_is_never_sent_and_keeps_its_failed_rules(
    access_point, make_issued, finance
):
    invoice = make_issued(order_reference="", your_reference="")
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "failed" and "PEPPOL-EN16931-R003" in attempt.error
    invoice.refresh_from_db()
    delivery = invoice.ehf_delivery
    assert delivery.status == EhfStatus.FAILED
    assert {"rule": "PEPPOL-EN16931-R003", "flag": "fatal"}.items() <= delivery.failures[0].items()
    assert access_point.posts == 0
    assert Job.objects.get(kind="ehf.deliver").attempts == 1


def test_the_back_off_doubles_per_attempt(access_point, make_issued, finance, settings):
    from kunde.jobs.services import job_run

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    settings.EHF_DELIVERY_RETRY_SECONDS = 60
    access_point.mode = "fail"
    invoice = make_issued()
    attempt = ehf_send(actor=finance, invoice=invoice)
    assert attempt.result == "queued"
    invoice.refresh_from_db()
    assert invoice.ehf_delivery.status == EhfStatus.QUEUED
    job = Job.objects.get(kind="ehf.deliver")
    waits = []
    for _ in range(2):
        Job.objects.filter(pk=job.pk).update(run_after=None)
        before = timezone.now()
        job_run(job_id=job.pk)
        job.refresh_from_db()
        waits.append(job.run_after - before)
    assert timedelta(seconds=59) < waits[0] <= timedelta(seconds=61)
    assert timedelta(seconds=119) < waits[1] <= timedelta(seconds=121)
    assert job.state == JobState.QUEUED and "503" in job.error


def test_the_outbox_gets_the_document(settings, smp_network, make_issued, finance):
    from django.core.files.storage import default_storage

    settings.EHF_ACCESS_POINT_URL = ""
    settings.EHF_OUTBOX = "ehf-outbox"
    invoice = make_issued()
    invoice_send(actor=finance, invoice=invoice)
    invoice.refresh_from_db()
    delivery = invoice.ehf_delivery
    assert delivery.status == EhfStatus.SENT
    with default_storage.open(f"ehf-outbox/{delivery.idempotency_key}.xml") as file:
        assert file.read().startswith(b"<?xml")


def _cannot_receive(invoice):
    EhfReceiver.objects.create(
        customer=invoice.customer,
        organization_number="923609016",
        can_receive=False,
        detail="Not registered in the Peppol network.",
        checked_at=timezone.now(),
    )


def test_a_customer_that_cannot_receive_gets_email_recorded_as_such(
    access_point, make_issued, finance, mailoutbox
):
    invoice = make_issued()
    _cannot_receive(invoice)
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert (attempt.channel, attempt.result) == ("email", "sent")
    assert "cannot receive EHF" in attempt.note or "kan ikke motta EHF" in attempt.note
    assert invoice.ehf_delivery.status == EhfStatus.EMAILED
    assert access_point.posts == 0
    assert len(mailoutbox) == 1


def test_without_the_company_fallback_ehf_is_tried_anyway(
    access_point, make_issued, finance, mailoutbox
):
    Company.objects.filter(pk=Company.load().pk).update(ehf_fallback_email=False)
    invoice = make_issued()
    _cannot_receive(invoice)
    attempt = invoice_send(actor=finance, invoice=invoice)
    assert (attempt.channel, attempt.result) == ("ehf", "sent")
    assert access_point.posts == 1 and mailoutbox == []


def test_two_people_sending_at_once_queue_one_delivery(
    access_point, make_issued, finance, settings
):
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("needs row locks (PostgreSQL)")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    invoice = make_issued()
    start, outcomes = threading.Barrier(2), []

    def send():
        start.wait()
        try:
            outcomes.append(ehf_send(actor=finance, invoice=invoice).result)
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "queued" and "already queued" in sorted(outcomes)[0]
    assert invoice.deliveries.count() == 1
    assert Job.objects.filter(kind="ehf.deliver").count() == 1


def test_the_access_point_callback_records_the_final_status(
    access_point, make_issued, finance, settings, client
):
    settings.EHF_CALLBACK_TOKEN = "cb-secret"
    invoice = make_issued()
    invoice_send(actor=finance, invoice=invoice)
    url = "/ehf/callback/"
    body = {"id": "doc-1", "status": "rejected", "reason": "Receiver refused"}

    def post(data, token="cb-secret"):
        return client.post(
            url, data, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    assert post(body, token="wrong").status_code == 401
    assert post("not json").status_code == 400
    assert post({**body, "id": "doc-99"}).status_code == 404
    response = post(body)
    assert response.status_code == 200 and response.json() == {"status": "rejected"}
    invoice.refresh_from_db()
    assert (invoice.ehf_delivery.status, invoice.ehf_delivery.reason) == (
        "rejected",
        "Receiver refused",
    )
    # A late "delivered" after the rejection changes nothing.
    assert post({**body, "status": "delivered"}).json() == {"status": "rejected"}
    settings.EHF_CALLBACK_TOKEN = ""
    assert post(body).status_code == 404


def test_a_receiver_not_in_peppol_is_found_before_sending_and_gets_email(
    access_point, smp_network, make_issued, finance, mailoutbox
):
    del smp_network.participants["923609016"]
    invoice = make_issued()
    attempt = invoice_send(actor=finance, invoice=invoice)  # queued before anyone looked
    assert attempt.channel == "ehf" and attempt.result == "failed"
    assert "cannot receive EHF" in attempt.note
    email = invoice.deliveries.get(channel="email")
    assert email.result == "sent" and "cannot receive EHF" in email.note
    invoice.refresh_from_db()
    assert invoice.ehf_delivery.status == EhfStatus.EMAILED
    assert access_point.posts == 0 and len(mailoutbox) == 1
    assert EhfReceiver.objects.get(customer=invoice.customer).can_receive is False


def test_an_smp_that_does_not_answer_leaves_ehf_to_the_access_point(
    access_point, smp_network, make_issued, finance
):
    smp_network.down = True
    attempt = invoice_send(actor=finance, invoice=make_issued())
    assert (attempt.channel, attempt.result) == ("ehf", "sent")
    assert access_point.posts == 1
