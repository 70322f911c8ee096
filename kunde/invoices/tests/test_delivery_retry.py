"""E-mail delivery as a job against a real SMTP server on 127.0.0.1 (aiosmtpd) that refuses
the first attempts: retried with back-off, sent exactly once, failed when the tries run out."""

import socket

import pytest
from aiosmtpd.controller import Controller

from kunde.invoices import delivery, services
from kunde.jobs.models import Job


class RefusingFirst:
    """Answers 451 (try again later) to the first `refusals` messages, then accepts."""

    def __init__(self, refusals: int):
        self.refusals = refusals
        self.tries = 0
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.tries <= self.refusals:
            return "451 4.3.0 Try again later"
        self.accepted.append(envelope.content)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    def start(refusals):
        handler = RefusingFirst(refusals)
        controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = (
            "127.0.0.1",
            controller.port,
        )
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DELIVERY_EMAIL_ATTEMPTS = 3
        settings.DELIVERY_EMAIL_RETRY_SECONDS = 0
        return handler

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def invoice(draft, finance):
    return services.invoice_issue(actor=finance, invoice=draft)


def test_a_refused_e_mail_is_retried_and_sent_once(invoice, finance, smtp):
    server = smtp(refusals=2)
    attempt = delivery.invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "sent" and attempt.error == ""
    assert server.tries == 3 and len(server.accepted) == 1
    assert b"Message-ID: <delivery-%d@kunde.invalid>" % attempt.pk in server.accepted[0]
    job = Job.objects.get(kind="invoices.email")
    assert (job.state, job.attempts, job.invoice_id) == ("succeeded", 3, invoice.pk)


def test_an_e_mail_refused_every_time_fails_after_the_last_try(invoice, finance, smtp):
    server = smtp(refusals=99)
    attempt = delivery.invoice_send(actor=finance, invoice=invoice)
    assert attempt.result == "failed" and "Try again later" in attempt.error
    assert server.tries == 3 and server.accepted == []
    job = Job.objects.get(kind="invoices.email")
    assert (job.state, job.attempts) == ("failed", 3)


def test_a_job_run_again_never_sends_a_sent_e_mail_twice(invoice, finance, smtp, admin):
    from kunde.jobs.services import job_enqueue

    server = smtp(refusals=0)
    attempt = delivery.invoice_send(actor=finance, invoice=invoice)
    # The same attempt's job once more (a worker taken for dead, say): the attempt is the key.
    again = job_enqueue(kind="invoices.email", actor=admin, params={"attempt": attempt.pk})
    assert again.result == {"attempt": attempt.pk, "result": "sent"}
    assert len(server.accepted) == 1
