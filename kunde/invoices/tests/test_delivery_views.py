import io

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from kunde.customers.models import Customer
from kunde.invoices import delivery, services
from kunde.invoices.models import DeliveryAttempt
from kunde.invoices.tests.test_delivery import RefusingBackend, backend


@pytest.fixture
def invoice(draft, finance):
    return services.invoice_issue(actor=finance, invoice=draft)


@pytest.fixture
def letter_customer(customer):
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="letter")
    return customer


def queue_letter(finance, customer):
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000}],
    )
    invoice = services.invoice_issue(actor=finance, invoice=draft)
    return delivery.invoice_send(actor=finance, invoice=invoice)


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Sending --------------------------------------------------------------------------------------


def test_finance_sends_an_invoice_and_returns_to_it(client_for, finance, invoice, mailoutbox):
    response = client_for(finance).post(f"/invoices/{invoice.pk}/send/")

    assert response.status_code == 302
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert len(mailoutbox) == 1
    assert message_texts(response) == ["Invoice 1 was e-mailed to post@fjellheim.no."]


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_other_roles_cannot_send(request, client_for, persona, invoice, mailoutbox):
    user = request.getfixturevalue(persona)

    response = client_for(user).post(f"/invoices/{invoice.pk}/send/")

    assert response.status_code == 403
    assert mailoutbox == [] and not DeliveryAttempt.objects.exists()


def test_sending_needs_a_post(client_for, finance, invoice, mailoutbox):
    response = client_for(finance).get(f"/invoices/{invoice.pk}/send/")

    assert response.status_code == 405
    assert mailoutbox == []


def test_sending_an_unknown_invoice_is_not_found(client_for, finance, db):
    response = client_for(finance).post("/invoices/999999/send/")

    assert response.status_code == 404


def test_sending_a_draft_says_why_and_sends_nothing(client_for, finance, draft, mailoutbox):
    response = client_for(finance).post(f"/invoices/{draft.pk}/send/")

    assert response.status_code == 302
    assert message_texts(response) == [
        "Invoice (draft) is not issued yet; only issued documents are sent."
    ]
    assert mailoutbox == [] and not DeliveryAttempt.objects.exists()


def test_a_mail_server_failure_is_shown_and_the_invoice_can_be_sent_again(
    client_for, finance, invoice, settings, mailoutbox
):
    settings.EMAIL_BACKEND = backend(RefusingBackend)
    response = client_for(finance).post(f"/invoices/{invoice.pk}/send/")

    assert message_texts(response) == [
        "Invoice 1 could not be e-mailed: The mail server could not be reached: [Errno 111] "
        "Connection refused It is still issued; you can send it again."
    ]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client_for(finance).post(f"/invoices/{invoice.pk}/send/")
    assert len(mailoutbox) == 1


def test_an_unknown_outcome_is_sent_again_only_when_confirmed(
    client_for, finance, invoice, mailoutbox
):
    DeliveryAttempt.objects.create(
        invoice=invoice,
        channel="email",
        result="sending",
        recipient="post@fjellheim.no",
        actor=finance,
    )
    client = client_for(finance)

    refused = client.post(f"/invoices/{invoice.pk}/send/")
    assert "unknown outcome" in message_texts(refused)[0]
    assert mailoutbox == []

    client.post(f"/invoices/{invoice.pk}/send/", {"confirm_unknown": "on"})
    assert len(mailoutbox) == 1


def test_an_ehf_customers_message_says_it_went_by_e_mail(
    client_for, finance, customer, invoice, mailoutbox
):
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="ehf")

    response = client_for(finance).post(f"/invoices/{invoice.pk}/send/")

    assert message_texts(response) == [
        "Invoice 1 was e-mailed to post@fjellheim.no. EHF is not available yet; sent by e-mail."
    ]


# The delivery log partial ---------------------------------------------------------------------


def render_log(rf, user, invoice):
    request = rf.get("/")
    request.user = user
    context = {"invoice": invoice, "deliveries": delivery.invoice_deliveries(invoice)}
    return render_to_string("invoices/delivery/_log.html", context, request=request)


def test_the_log_shows_attempts_and_offers_a_re_send(rf, finance, invoice, settings, mailoutbox):
    assert ">Send</button>" in render_log(rf, finance, invoice)
    settings.EMAIL_BACKEND = backend(RefusingBackend)
    delivery.invoice_send(actor=finance, invoice=invoice)

    html = render_log(rf, finance, invoice)

    assert "Failed" in html and "Connection refused" in html
    assert ">Re-send</button>" in html
    assert 'name="confirm_unknown"' not in html


def test_the_log_warns_about_an_unknown_outcome_and_asks_for_confirmation(rf, finance, invoice):
    DeliveryAttempt.objects.create(
        invoice=invoice,
        channel="email",
        result="sending",
        recipient="post@fjellheim.no",
        actor=finance,
    )

    html = render_log(rf, finance, invoice)

    assert "Outcome unknown — check with the customer before sending again" in html
    assert 'name="confirm_unknown" required' in html
    assert "I have checked; send again" in html


def test_the_log_shows_the_ehf_note(rf, finance, customer, invoice, mailoutbox):
    Customer.objects.filter(pk=customer.pk).update(invoice_delivery="ehf")
    delivery.invoice_send(actor=finance, invoice=invoice)

    assert "EHF is not available yet; sent by e-mail" in render_log(rf, finance, invoice)


def test_the_log_offers_no_sending_to_other_roles(rf, reader, manager, invoice):
    for user in (reader, manager):
        html = render_log(rf, user, invoice)
        assert "Not sent yet." in html
        assert "<form" not in html


def test_the_log_points_to_the_print_queue_instead_of_queueing_twice(
    rf, finance, letter_customer, invoice
):
    delivery.invoice_send(actor=finance, invoice=invoice)

    html = render_log(rf, finance, invoice)

    assert "In the print queue" in html and 'href="/invoices/print-queue/"' in html
    assert "<form" not in html


# The print queue ------------------------------------------------------------------------------


def test_finance_sees_the_queue_in_a_fixed_number_of_queries(
    client_for, finance, company, letter_customer, django_assert_num_queries
):
    client = client_for(finance)
    queue_letter(finance, letter_customer)
    with django_assert_num_queries(3):  # session, user, the queue with invoices and customers
        client.get("/invoices/print-queue/")
    for _ in range(4):
        queue_letter(finance, letter_customer)

    with django_assert_num_queries(3):
        response = client.get("/invoices/print-queue/")

    assert response.status_code == 200
    assert response.content.decode().count("<tr data-attempt=") == 5


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_other_roles_cannot_use_the_print_queue(
    request, client_for, persona, finance, company, letter_customer
):
    attempt = queue_letter(finance, letter_customer)
    client = client_for(request.getfixturevalue(persona))

    assert client.get("/invoices/print-queue/").status_code == 403
    assert client.get(f"/invoices/print-queue/pdf/?attempt={attempt.pk}").status_code == 403
    response = client.post("/invoices/print-queue/printed/", {"attempt": [attempt.pk]})
    assert response.status_code == 403
    attempt.refresh_from_db()
    assert attempt.result == "queued"


def test_an_empty_queue_says_so(client_for, finance):
    response = client_for(finance).get("/invoices/print-queue/")

    assert "Nothing is waiting to be printed." in response.content.decode()


def test_the_download_is_one_pdf_of_the_batch(client_for, finance, company, letter_customer):
    batch = [queue_letter(finance, letter_customer) for _ in range(2)]
    page = client_for(finance).get("/invoices/print-queue/").content.decode()
    query = f"attempt={batch[0].pk}&amp;attempt={batch[1].pk}"
    assert f'href="/invoices/print-queue/pdf/?{query}"' in page

    response = client_for(finance).get(
        "/invoices/print-queue/pdf/", {"attempt": [a.pk for a in batch]}
    )

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="utskrift-{timezone.localdate().isoformat()}.pdf"'
    )
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Choose at least one document from the print queue."),
        ("?attempt=abc", "The list of documents is not valid; open the print queue again."),
        ("?attempt=999999", "Some of the documents are no longer in the print queue"),
    ],
)
def test_a_bad_download_request_says_why(client_for, finance, query, message):
    response = client_for(finance).get(f"/invoices/print-queue/pdf/{query}")

    assert response.status_code == 302 and response["Location"] == "/invoices/print-queue/"
    assert message_texts(response)[0].startswith(message)


def test_marking_printed_takes_only_the_batch_on_the_page(
    client_for, finance, company, letter_customer
):
    batch = queue_letter(finance, letter_customer)
    late = queue_letter(finance, letter_customer)  # queued after the page was opened

    response = client_for(finance).post("/invoices/print-queue/printed/", {"attempt": [batch.pk]})

    assert response.status_code == 302 and response["Location"] == "/invoices/print-queue/"
    assert message_texts(response) == ["1 document marked as printed."]
    assert list(DeliveryAttempt.objects.order_by("pk").values_list("result", flat=True)) == [
        "printed",
        "queued",
    ]
    assert list(delivery.print_queue()) == [late]


@pytest.mark.parametrize("ids", [[], ["abc"], [999999]])
def test_marking_bad_ids_printed_changes_nothing(
    client_for, finance, company, letter_customer, ids
):
    attempt = queue_letter(finance, letter_customer)

    response = client_for(finance).post(
        "/invoices/print-queue/printed/", {"attempt": [*ids, attempt.pk] if ids else []}
    )

    assert response.status_code == 302
    assert message_texts(response) and "marked as printed" not in message_texts(response)[0]
    attempt.refresh_from_db()
    assert attempt.result == "queued"


def test_marking_printed_twice_says_so(client_for, finance, company, letter_customer):
    attempt = queue_letter(finance, letter_customer)
    client = client_for(finance)
    client.post("/invoices/print-queue/printed/", {"attempt": [attempt.pk]})

    response = client.post("/invoices/print-queue/printed/", {"attempt": [attempt.pk]})

    # The first answer's message was never shown (no redirect followed), so it comes first.
    assert message_texts(response)[-1].startswith(
        "Some of the documents are no longer in the print queue"
    )


# The print queue above PRINT_QUEUE_ABOVE_DOCUMENTS ---------------------------------------------


def test_a_large_batch_is_merged_by_a_worker(client_for, finance, company, letter_customer,
                                             settings):  # fmt: skip
    from kunde.jobs.models import Job

    settings.PRINT_QUEUE_ABOVE_DOCUMENTS = 2
    batch = [queue_letter(finance, letter_customer) for _ in range(3)]
    client = client_for(finance)
    response = client.get("/invoices/print-queue/pdf/", {"attempt": [a.pk for a in batch]})
    job = Job.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.state, job.params["builder"]) == ("succeeded", "invoices.print_queue")
    page = client.get(response["Location"]).content.decode()
    assert 'href="/invoices/print-queue/"' in page  # back to mark the batch printed
    download = client.get(f"/jobs/{job.pk}/download/")
    assert download["Content-Disposition"] == (
        f'attachment; filename="utskrift-{timezone.localdate().isoformat()}.pdf"'
    )
    assert len(PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages) == 3
    # Two letters stay at or below the threshold: downloaded at once.
    direct = client.get("/invoices/print-queue/pdf/", {"attempt": [a.pk for a in batch[:2]]})
    assert len(PdfReader(io.BytesIO(direct.content)).pages) == 2
    assert Job.objects.count() == 1


def test_a_large_batch_with_an_unknown_letter_is_refused_at_once(
    client_for, finance, company, letter_customer, settings
):
    from kunde.jobs.models import Job

    settings.PRINT_QUEUE_ABOVE_DOCUMENTS = 1
    batch = [queue_letter(finance, letter_customer) for _ in range(2)]
    response = client_for(finance).get(
        "/invoices/print-queue/pdf/", {"attempt": [batch[0].pk, 999999]}, follow=True
    )
    assert "no longer in the print queue" in response.content.decode()
    assert not Job.objects.exists()


# Live delivery status -------------------------------------------------------------------------


@pytest.fixture
def email_queued(invoice, finance, settings):
    """An e-mail of the invoice waiting for a worker (the database queue, no worker running)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    return delivery.invoice_send(actor=finance, invoice=invoice)


def test_the_page_follows_a_queued_e_mail_until_it_is_sent(
    client_for, reader, invoice, email_queued, mailoutbox
):
    from kunde.jobs.models import Job
    from kunde.jobs.services import job_run

    client = client_for(reader)
    url = f"/invoices/{invoice.pk}/delivery/"
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'data-poll="{url}"' in page and "Queued for sending" in page
    part = client.get(url).content.decode()
    assert part.lstrip().startswith('<section class="card delivery"') and "<html" not in part
    assert f'data-poll="{url}"' in part and "Queued for sending" in part

    job_run(job_id=Job.objects.get(kind="invoices.email").pk)  # what a worker does

    part = client.get(url).content.decode()
    assert "data-poll" not in part and "Queued for sending" not in part
    assert '<tr data-result="sent">' in part and len(mailoutbox) == 1


def test_a_failed_e_mail_shows_as_failed_and_stops_polling(
    client_for, finance, invoice, email_queued, settings
):
    from kunde.jobs.models import Job
    from kunde.jobs.services import job_run

    settings.EMAIL_BACKEND = backend(RefusingBackend)
    Job.objects.filter(kind="invoices.email").update(max_attempts=1)
    job_run(job_id=Job.objects.get(kind="invoices.email").pk)
    part = client_for(finance).get(f"/invoices/{invoice.pk}/delivery/").content.decode()
    assert '<tr data-result="failed">' in part and "data-poll" not in part
    assert "Connection refused" in part
    assert ">Re-send</button>" in part  # the form comes along, with its CSRF token
    assert "csrfmiddlewaretoken" in part


def test_a_sent_invoice_page_does_not_poll(client_for, reader, invoice, finance, mailoutbox):
    delivery.invoice_send(actor=finance, invoice=invoice)  # sent at once in unit tests
    page = client_for(reader).get(f"/invoices/{invoice.pk}/").content.decode()
    assert '<tr data-result="sent">' in page and "data-poll" not in page


def test_the_delivery_part_of_a_draft_or_unknown_document_is_not_found(client_for, reader, draft):
    client = client_for(reader)
    assert client.get(f"/invoices/{draft.pk}/delivery/").status_code == 404
    assert client.get("/invoices/999999/delivery/").status_code == 404


def test_the_polled_delivery_part_takes_few_queries(
    client_for, reader, invoice, email_queued, django_assert_num_queries
):
    client = client_for(reader)
    client.get(f"/invoices/{invoice.pk}/delivery/")
    with django_assert_num_queries(4):  # session, user, the invoice, its attempts
        assert client.get(f"/invoices/{invoice.pk}/delivery/").status_code == 200
