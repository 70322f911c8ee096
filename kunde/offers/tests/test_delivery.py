from django.core.mail.backends.base import BaseEmailBackend

from kunde.activity.models import ActivityEntry
from kunde.offers import services
from kunde.offers.models import OfferDelivery


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_refusing_mail_server_leaves_a_failed_attempt_and_the_offer_sent(
    offer, manager, settings, mailoutbox
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.DELIVERY_EMAIL_ATTEMPTS = 2
    settings.DELIVERY_EMAIL_RETRY_SECONDS = 0
    services.offer_send(actor=manager, offer=offer)
    attempt = OfferDelivery.objects.get()
    assert attempt.result == "failed"
    assert "could not be reached" in attempt.error
    offer.refresh_from_db()
    assert offer.status == "sent" and offer.number == 1  # it stays sent: send it by hand
    assert ActivityEntry.objects.filter(action="offer.email_failed").count() == 1
    assert mailoutbox == []


def test_an_attempt_is_sent_once(sent_offer, mailoutbox):
    from kunde.jobs.models import Job
    from kunde.offers.delivery import run_email_job

    job = Job.objects.get(kind="offers.email")
    assert run_email_job(job, lambda *a: None)["result"] == "sent"
    assert len(mailoutbox) == 1


def test_after_a_failure_the_same_revision_is_emailed_again(
    offer, manager, settings, mailoutbox, client_for
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.DELIVERY_EMAIL_ATTEMPTS = 1
    services.offer_send(actor=manager, offer=offer)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client_for(manager).post(f"/offers/{offer.pk}/resend/")
    assert [d.result for d in OfferDelivery.objects.all()] == ["sent", "failed"]
    assert len(mailoutbox) == 1 and mailoutbox[0].attachments[0][0] == "tilbud-1.pdf"
    offer.refresh_from_db()
    assert offer.revisions.count() == 1 and offer.number == 1


def test_an_answered_offer_is_not_emailed_again(sent_offer, manager):
    import pytest
    from django.core.exceptions import ValidationError

    services.offer_accept(offer=sent_offer, name="Kari", confirmed=True)
    with pytest.raises(ValidationError):
        services.offer_resend(actor=manager, offer=sent_offer)
