"""Real `kunde worker` processes against the test database: a queued job runs, and a worker
killed with SIGKILL in the middle of a large import leaves nothing booked, after which another
worker books the file exactly once."""

import signal

import pytest

from kunde.jobs.models import Job, JobState
from kunde.jobs.services import job_enqueue
from kunde.payments.import_jobs import payment_import_enqueue
from kunde.payments.models import ImportStatus, Payment, PaymentImport
from kunde.payments.progress import import_progress_read
from kunde.payments.tests.conftest import ocr_file, ocr_transaction

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _state(job) -> str:
    return Job.objects.values_list("state", flat=True).get(pk=job.pk)


def test_a_worker_process_runs_a_queued_job(start_worker, finance):
    job = job_enqueue(kind="noop", actor=finance)
    assert job.state == JobState.QUEUED  # on the queue, not run at once
    start_worker()
    wait_for(lambda: _state(job) == JobState.SUCCEEDED, what="the job to succeed")
    job.refresh_from_db()
    assert (job.attempts, job.progress) == (1, 100)


def test_an_import_killed_mid_booking_is_booked_once_by_the_next_worker(
    start_worker, finance, settings
):
    count = 40_000
    data = ocr_file(
        [ocr_transaction(i, 10_000 + i, f"{i:07d}8") for i in range(1, count + 1)],
        transmission="7000001",
    )
    record, job = payment_import_enqueue(actor=finance, data=data, file_name="big.txt")
    first = start_worker()
    # Mid-booking: the worker has reported progress, and nothing is committed yet.
    wait_for(
        lambda: (p := import_progress_read(record.pk)) is not None and 0 < p.done < p.total,
        what="the booking to be under way",
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert Payment.objects.count() == 0  # all or nothing: the booking is one transaction
    assert PaymentImport.objects.get(pk=record.pk).status == ImportStatus.RUNNING
    # The next worker sees that the process holding the job is gone, and runs it again.
    start_worker()
    wait_for(lambda: _state(job) == JobState.SUCCEEDED, timeout=120, what="the second run")
    job.refresh_from_db()
    record.refresh_from_db()
    assert job.attempts == 2
    assert job.error == ""  # cleared by the attempt that succeeded
    assert record.status == ImportStatus.BOOKED
    assert Payment.objects.count() == count
    assert Payment.objects.values("source_key").distinct().count() == count
    assert record.summary["booked"] == count and record.summary["duplicates"] == 0


def test_a_worker_renders_a_lost_pdf(start_worker, finance, company, customer):
    from kunde.invoices import services as invoice_services
    from kunde.invoices.models import Invoice
    from kunde.invoices.pdf import renders_deferred

    draft = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000}],
    )
    with renders_deferred():  # as if the process died right after the issue committed
        issued = invoice_services.invoice_issue(actor=finance, invoice=draft)
    assert not Invoice.objects.get(pk=issued.pk).pdf
    start_worker(PDF_RENDER_LOST_AFTER_SECONDS=0)
    wait_for(lambda: Invoice.objects.get(pk=issued.pk).pdf, what="the lost PDF to be rendered")
    assert len(Invoice.objects.get(pk=issued.pk).pdf_sha256) == 64


def test_a_worker_makes_a_large_download(start_worker, reader):
    from django.core.files.storage import default_storage

    from kunde.jobs.downloads import download_enqueue

    job = download_enqueue(
        actor=reader,
        builder="invoices.report",
        params={"report": "invoice_report", "format": "xlsx", "query": "", "columns": [],
                "customer": None},
    )  # fmt: skip
    start_worker()
    wait_for(lambda: _state(job) == JobState.SUCCEEDED, what="the download to be made")
    job.refresh_from_db()
    assert default_storage.exists(job.result["file"])
