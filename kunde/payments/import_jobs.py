"""Large payment files are imported by a worker of the task queue (`kunde.jobs`).

The request stores the file (`payment_import_claim`: a file booked before or being imported is
refused at once) and enqueues a "payments.import" job for it. The worker books it with
`payment_import_run`: all transactions in one transaction, so a worker killed half-way leaves
nothing booked, and the job, taken back when its worker is found dead, books it once when run
again. An import whose job failed for good is refused ("nothing booked") so the file is free at
once; an administrator can also release an import left "running" by a process that died.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.jobs.models import Job, JobState
from kunde.jobs.services import job_enqueue, job_is_lost
from kunde.payments.imports import (
    PaymentImportRefused,
    payment_import_claim,
    payment_import_run,
)
from kunde.payments.models import ImportStatus, PaymentImport
from kunde.payments.progress import ImportProgressReporter, import_progress_clear

KIND = "payments.import"


def goes_to_queue(size: int) -> bool:
    return size > settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES


def payment_import_enqueue(*, actor, data: bytes, file_name: str) -> tuple[PaymentImport, Job]:
    """Store the file and queue its booking. Raises PaymentImportRefused for a file booked
    before or being imported right now."""
    record = payment_import_claim(actor=actor, data=data, file_name=file_name)
    job = job_enqueue(kind=KIND, actor=actor, payment_import=record)
    record.refresh_from_db()
    return record, job


def run_import(job: Job, report) -> dict:
    """The job: book the stored file of its import. Idempotent: an import that is booked or
    refused already is only reported."""
    record = PaymentImport.objects.select_related("created_by").get(pk=job.payment_import_id)
    if record.status != ImportStatus.RUNNING:
        return _result(record)
    with record.file.open("rb") as handle:
        data = handle.read()
    page_progress = ImportProgressReporter(record.pk)

    def progress(done: int, total: int) -> None:
        page_progress(done, total)
        report(done, total)

    try:
        record = payment_import_run(
            record=record, actor=record.created_by, data=data, progress=progress
        )
    except PaymentImportRefused as exc:
        raise ValidationError(exc.messages) from exc
    finally:
        page_progress.clear()
    return _result(record)


def _result(record: PaymentImport) -> dict:
    return {
        "import": record.pk,
        "status": record.status,
        "summary": record.summary,
        "error": record.error,
    }


def give_up_import(job: Job) -> None:
    """The job failed for good or was cancelled: an import it left running booked nothing (its
    booking is one transaction), so it is refused and its file free to import again."""
    if job.payment_import_id:
        _refuse_running(
            job.payment_import_id,
            job.error or _("The import was stopped; nothing booked."),
        )


def _refuse_running(import_id: int, message: str) -> bool:
    # Waits for a booking that holds the row (SQLite's write lock, PostgreSQL's row lock) and
    # then finds it booked: only an import that is truly not booking is refused.
    updated = PaymentImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.REFUSED, error=message, reference=None, finished_at=timezone.now()
    )
    import_progress_clear(import_id)
    return bool(updated)


def payment_import_job(record: PaymentImport) -> Job | None:
    return Job.objects.filter(payment_import=record, kind=KIND).order_by("-id").first()


def payment_import_release(*, actor, record: PaymentImport) -> PaymentImport:
    """An administrator frees an import left "running" by a process that died: it is refused
    (nothing was booked: the booking is all or nothing) and the file may be imported again.
    Refused while a live worker still runs it."""
    if not actor.can_edit_company:
        raise ValidationError(_("Only an administrator can release an import."))
    if record.status != ImportStatus.RUNNING:
        raise ValidationError(_("Only an import that is running can be released."))
    job = payment_import_job(record)
    if job is not None and job.state == JobState.RUNNING and not job_is_lost(job):
        raise ValidationError(
            _("A worker is importing this file right now; wait for it to finish.")
        )
    if job is not None and job.state in (JobState.QUEUED, JobState.RUNNING):
        Job.objects.filter(pk=job.pk, state__in=(JobState.QUEUED, JobState.RUNNING)).update(
            state=JobState.CANCELLED,
            error=_("Released by %(user)s.") % {"user": actor.get_username()},
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    message = _("Released by %(user)s after the import was interrupted; nothing booked.") % {
        "user": actor.get_username()
    }
    if not _refuse_running(record.pk, message):
        raise ValidationError(_("The import finished meanwhile; nothing was released."))
    record.refresh_from_db()
    return record
