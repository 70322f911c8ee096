import io
import smtplib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from pypdf import PdfReader

from kunde.activity.models import ActivityEntry
from kunde.customers.models import Customer
from kunde.invoices import delivery, services
from kunde.invoices.models import DeliveryAttempt, Invoice, InvoiceOptions
from kunde.invoices.tests.helpers import issue_with_pdf

# Mail backends standing in for a mail server that fails in the ways a real one does.


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class DisconnectingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise TimeoutError("timed out")


class ProcessDied(BaseException):
    """The process stops while the mail server has the message (kill -9, power cut)."""


class DyingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ProcessDied


class WitnessBackend(LocmemBackend):
    """Records what the database held, and the timeout, at the moment of sending."""

    seen: dict = {}

    def __init__(self, *args, timeout=None, **kwargs):
        super().__init__(*args, **kwargs)
        WitnessBackend.seen = {"timeout": timeout}

    def send_messages(self, email_messages):
        WitnessBackend.seen.update(
            in_transaction=connection.in_atomic_block,
            results=list(DeliveryAttempt.objects.values_list("result", flat=True)),
        )
        return super().send_messages(email_messages)


def backend(cls) -> str:
    return f"{__name__}.{cls.__name__}"


@pytest.fixture
def invoice(draft, finance):
    return issue_with_pdf(actor=finance, invoice=draft)


def set_customer(customer, **fields):
    Customer.objects.filter(pk=customer.pk).update(**fields)


def stored_bytes(invoice) -> bytes:
    invoice.refresh_from_db()  # the PDF is stored after issue, by delivery if not before
    with invoice.pdf.open("rb") as file:
        return file.read()


# E-mail ---------------------------------------------------------------------------------------


def test_an_invoice_is_emailed_with_the_stored_pdf_attached(invoice, finance, mailoutbox, settings):
    attempt = delivery.invoice_send(actor=finance, invoice=invoice)

    assert (attempt.channel, attempt.result, attempt.recipient) == (
        "email",
        "sent",
        "post@fjellheim.no",
    )
    assert attempt.finished_at is not None and attempt.error == ""
    [mail] = mailoutbox
    assert mail.to == ["post@fjellheim.no"] and mail.cc == []
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == ("faktura-1.pdf", "application/pdf")
    assert content == stored_bytes(invoice)


def test_the_address_is_external_receiver_then_options_then_invoice_email_then_email(
    invoice, customer, finance, mailoutbox
):
    def recipients():
        delivery.invoice_send(actor=finance, invoice=invoice)
        mail = mailoutbox[-1]
        return mail.to, mail.cc

    assert recipients() == (["post@fjellheim.no"], [])
    set_customer(customer, invoice_email="faktura@fjellheim.no")
    assert recipients() == (["faktura@fjellheim.no"], [])
    InvoiceOptions.objects.create(
        level="customer",
        customer=customer,
        email_to="ola@fjellheim.no; kari@fjellheim.no",
        email_cc="sjef@fjellheim.no",
    )
    assert recipients() == (["ola@fjellheim.no", "kari@fjellheim.no"], ["sjef@fjellheim.no"])
    set_customer(customer, external_invoice_email="fjellheim@skanning.example")
    # The external receiver wins; the options' copies still go along.
    assert recipients() == (["fjellheim@skanning.example"], ["sjef@fjellheim.no"])
    assert invoice.deliveries.first().recipient == (
        "fjellheim@skanning.example (cc sjef@fjellheim.no)"
    )


def test_without_any_address_sending_is_refused_and_nothing_is_recorded(
    invoice, customer, finance, mailoutbox
):
    set_customer(customer, email="")
    activity_before = ActivityEntry.objects.count()

    with pytest.raises(ValidationError, match="cannot be e-mailed: the customer has no e-mail"):
        delivery.invoice_send(actor=finance, invoice=invoice)

    assert mailoutbox == []
    assert not DeliveryAttempt.objects.exists()
    assert ActivityEntry.objects.count() == activity_before


def test_a_recipient_that_is_not_an_address_is_refused(invoice, customer, finance, mailoutbox):
    InvoiceOptions.objects.create(level="customer", customer=customer, email_to="ola at fjellheim")

    with pytest.raises(ValidationError, match="“ola at fjellheim” is not an e-mail address"):
        delivery.invoice_send(actor=finance, invoice=invoice)

    assert mailoutbox == [] and not DeliveryAttempt.objects.exists()


def test_a_norwegian_invoice_gets_a_norwegian_mail(invoice, company, finance, mailoutbox):
    company.email = "faktura@fjordvik.no"
    company.save()

    delivery.invoice_send(actor=finance, invoice=invoice)

    [mail] = mailoutbox
    assert mail.subject == "Faktura 1 fra Fjordvik Rådgivning AS"
    assert mail.reply_to == ["faktura@fjordvik.no"]
    assert "Vedlagt er faktura 1 fra Fjordvik Rådgivning AS." in mail.body
    assert "Beløp: 16\xa0185,00\xa0kr" in mail.body
    assert f"Forfallsdato: {invoice.due_date:%d.%m.%Y}" in mail.body
    assert f"KID: {invoice.kid}" in mail.body
    assert "Kontonummer: 8601.11.17947" in mail.body


def test_an_english_invoice_gets_an_english_mail(draft, finance, mailoutbox):
    services.invoice_draft_update(actor=finance, invoice=draft, header={"language": "en"})
    invoice = services.invoice_issue(actor=finance, invoice=draft)

    delivery.invoice_send(actor=finance, invoice=invoice)

    [mail] = mailoutbox
    assert mail.subject == "Invoice 1 from Fjordvik Rådgivning AS"
    assert "Please find attached invoice 1 from Fjordvik Rådgivning AS." in mail.body
    assert f"Due date: {invoice.due_date.day} {invoice.due_date:%B %Y}" in mail.body
    assert "Account number: 8601.11.17947" in mail.body
    assert mail.reply_to == []  # the company has no e-mail
    assert mail.attachments[0][0] == "invoice-1.pdf"


def test_a_credit_note_is_delivered_like_an_invoice(invoice, finance, mailoutbox):
    credit_note = services.credit_note_create(actor=finance, invoice=invoice)
    credit_note = services.invoice_issue(actor=finance, invoice=credit_note)

    attempt = delivery.invoice_send(actor=finance, invoice=credit_note)

    assert attempt.result == "sent"
    [mail] = mailoutbox
    assert mail.subject == "Kreditnota 2 fra Fjordvik Rådgivning AS"
    assert "Den krediterer faktura 1." in mail.body
    assert "Forfallsdato" not in mail.body
    assert mail.attachments[0][1] == stored_bytes(credit_note)
    assert ActivityEntry.objects.filter(action="credit_note.sent").exists()


def test_an_ehf_customer_gets_e_mail_until_ehf_exists(invoice, customer, finance, mailoutbox):
    set_customer(customer, invoice_delivery="ehf")

    attempt = delivery.invoice_send(actor=finance, invoice=invoice)

    assert (attempt.channel, attempt.result) == ("email", "sent")
    assert attempt.note == "EHF is not available yet; sent by e-mail"
    assert len(mailoutbox) == 1
    entry = ActivityEntry.objects.get(action="invoice.sent")
    assert "EHF is not available yet; sent by e-mail" in entry.text


def test_sending_is_logged_on_the_customer(invoice, customer, finance, mailoutbox):
    delivery.invoice_send(actor=finance, invoice=invoice)

    entry = ActivityEntry.objects.get(action="invoice.sent")
    assert (entry.customer, entry.actor) == (customer, finance)
    assert entry.text == "Invoice 1 e-mailed to post@fjellheim.no"


def test_a_draft_is_not_sent(draft, finance, mailoutbox):
    with pytest.raises(ValidationError, match="is not issued yet"):
        delivery.invoice_send(actor=finance, invoice=draft)

    assert mailoutbox == [] and not DeliveryAttempt.objects.exists()


def test_a_changed_stored_pdf_is_not_sent(invoice, finance, mailoutbox):
    with open(invoice.pdf.path, "ab") as file:
        file.write(b"%tampered")

    with pytest.raises(ValidationError, match="is not the one issued"):
        delivery.invoice_send(actor=finance, invoice=invoice)

    assert mailoutbox == [] and not DeliveryAttempt.objects.exists()


# When the mail server fails --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("failing", "reason"),
    [
        (RefusingBackend, "The mail server could not be reached: [Errno 111] Connection refused"),
        (
            DisconnectingBackend,
            "The mail server refused the message: Connection unexpectedly closed",
        ),
        (SlowBackend, "The mail server did not answer within 20 seconds."),
    ],
)
def test_a_mail_server_failure_is_a_failed_attempt_and_the_invoice_stays_issued(
    invoice, finance, settings, failing, reason
):
    settings.EMAIL_BACKEND = backend(failing)
    settings.EMAIL_TIMEOUT = 20

    attempt = delivery.invoice_send(actor=finance, invoice=invoice)

    attempt.refresh_from_db()
    assert (attempt.result, attempt.error) == ("failed", reason)
    assert attempt.finished_at is not None
    assert Invoice.objects.get(pk=invoice.pk).status == "issued"
    entry = ActivityEntry.objects.get(action="invoice.send_failed")
    assert reason in entry.text


def test_a_failed_e_mail_can_be_sent_again(invoice, finance, settings, mailoutbox):
    settings.EMAIL_BACKEND = backend(RefusingBackend)
    failed = delivery.invoice_send(actor=finance, invoice=invoice)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    again = delivery.invoice_send(actor=finance, invoice=invoice)

    assert (failed.result, again.result) == ("failed", "sent")
    assert len(mailoutbox) == 1
    assert list(invoice.deliveries.values_list("result", flat=True)) == ["sent", "failed"]


def test_an_attempt_with_unknown_outcome_needs_confirmation_before_sending_again(
    invoice, finance, settings, mailoutbox
):
    settings.EMAIL_BACKEND = backend(DyingBackend)
    # The worker's process dies while sending (the test's task runner swallows its death).
    delivery.invoice_send(actor=finance, invoice=invoice)
    [unknown] = invoice.deliveries.all()
    assert (unknown.result, unknown.finished_at) == ("sending", None)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with pytest.raises(ValidationError, match="unknown outcome: it may have reached the customer"):
        delivery.invoice_send(actor=finance, invoice=invoice)
    assert invoice.deliveries.count() == 1 and mailoutbox == []

    again = delivery.invoice_send(actor=finance, invoice=invoice, confirm_unknown=True)
    assert again.result == "sent" and len(mailoutbox) == 1
    assert "unknown outcome, as confirmed" in again.note
    assert "unknown outcome, as confirmed" in ActivityEntry.objects.get(action="invoice.sent").text


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_committed_before_the_mail_server_is_called(invoice, finance, settings):
    settings.EMAIL_BACKEND = backend(WitnessBackend)
    settings.EMAIL_TIMEOUT = 7

    attempt = delivery.invoice_send(actor=finance, invoice=invoice)

    assert WitnessBackend.seen == {"timeout": 7, "in_transaction": False, "results": ["sending"]}
    attempt.refresh_from_db()
    assert attempt.result == "sent"


# Letters and the print queue -------------------------------------------------------------------


@pytest.fixture
def letter_customer(customer):
    set_customer(customer, invoice_delivery="letter")
    return customer


def issue(finance, customer, description="Rådgivning", quantity=1):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": description, "quantity": quantity, "unit_price_ore": 100000}],
    )
    return services.invoice_issue(actor=finance, invoice=draft)


def test_a_letter_customers_invoice_joins_the_print_queue(
    letter_customer, invoice, finance, mailoutbox
):
    attempt = delivery.invoice_send(actor=finance, invoice=invoice)

    assert (attempt.channel, attempt.result) == ("letter", "queued")
    assert attempt.recipient == "Fjellheim Konsult AS, Storgata 1, 0155 Oslo"
    assert mailoutbox == []
    assert list(delivery.print_queue()) == [attempt]
    assert ActivityEntry.objects.filter(action="invoice.letter_queued").exists()


def test_an_invoice_already_in_the_print_queue_is_not_queued_twice(
    letter_customer, invoice, finance
):
    delivery.invoice_send(actor=finance, invoice=invoice)

    with pytest.raises(ValidationError, match="already in the print queue"):
        delivery.invoice_send(actor=finance, invoice=invoice)

    assert invoice.deliveries.count() == 1


def test_the_print_queue_pdf_holds_every_queued_document_in_queue_order(
    company, letter_customer, finance
):
    long_one = issue(finance, letter_customer, "Lang linje " * 40, quantity=1)
    services_lines = [
        {"description": f"Linje {i}", "quantity": 1, "unit_price_ore": 1000} for i in range(80)
    ]
    draft = services.invoice_draft_create(
        actor=finance, customer=letter_customer, lines=services_lines
    )
    many_lines = services.invoice_issue(actor=finance, invoice=draft)
    first = delivery.invoice_send(actor=finance, invoice=many_lines)
    second = delivery.invoice_send(actor=finance, invoice=long_one)

    merged = PdfReader(io.BytesIO(delivery.print_queue_pdf([second.pk, first.pk])))

    pages = [len(PdfReader(io.BytesIO(stored_bytes(doc))).pages) for doc in (many_lines, long_one)]
    assert pages[0] > 1  # so the order check below means something
    assert len(merged.pages) == sum(pages)
    assert "Linje 0" in merged.pages[0].extract_text()
    assert "Lang linje" in merged.pages[pages[0]].extract_text()


def test_only_the_given_letters_are_marked_printed(company, letter_customer, finance):
    batch = [
        delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))
        for _ in range(2)
    ]
    late = delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))

    printed = delivery.print_queue_mark_printed(actor=finance, attempt_ids=[a.pk for a in batch])

    assert {a.pk for a in printed} == {a.pk for a in batch}
    for attempt in batch:
        attempt.refresh_from_db()
        assert attempt.result == "printed" and attempt.finished_at is not None
    assert list(delivery.print_queue()) == [late]
    assert ActivityEntry.objects.filter(action="invoice.printed").count() == 2


def test_marking_an_unknown_or_printed_letter_changes_nothing(company, letter_customer, finance):
    queued = delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))
    printed = delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))
    delivery.print_queue_mark_printed(actor=finance, attempt_ids=[printed.pk])

    for ids in ([queued.pk, printed.pk], [queued.pk, 999_999], []):
        with pytest.raises(ValidationError):
            delivery.print_queue_mark_printed(actor=finance, attempt_ids=ids)
        with pytest.raises(ValidationError):
            delivery.print_queue_pdf(ids)

    queued.refresh_from_db()
    assert queued.result == "queued"


def test_a_printed_invoice_can_be_queued_again(letter_customer, invoice, finance):
    first = delivery.invoice_send(actor=finance, invoice=invoice)
    delivery.print_queue_mark_printed(actor=finance, attempt_ids=[first.pk])

    again = delivery.invoice_send(actor=finance, invoice=invoice)

    assert again.result == "queued"


def test_a_letter_without_postal_address_is_refused(company, customer, finance):
    set_customer(
        customer, invoice_delivery="letter", postal_street="", postal_city="", postal_postcode=""
    )
    invoice = issue(finance, customer)

    with pytest.raises(ValidationError, match="has no postal address"):
        delivery.invoice_send(actor=finance, invoice=invoice)

    assert not DeliveryAttempt.objects.exists()


def test_the_queue_is_oldest_first(company, letter_customer, finance):
    older = delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))
    newer = delivery.invoice_send(actor=finance, invoice=issue(finance, letter_customer))
    DeliveryAttempt.objects.filter(pk=newer.pk).update(
        started_at=older.started_at - timedelta(minutes=1)
    )

    assert list(delivery.print_queue()) == [newer, older]
