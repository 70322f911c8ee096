"""Jobs: enqueue, run (with a lease, progress and retries with back-off), reap the jobs of
workers that died, and the administrator's retry and cancel. See `kunde.jobs.models`.

With the database backend a job is created and its task enqueued in the same transaction: both
rows commit together or not at all, so no job waits for a task that was never queued. A backend
that runs tasks at once (unit tests) is called after the job's transaction.
"""

import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from kunde.jobs.kinds import KINDS
from kunde.jobs.models import Job, JobState
from kunde.jobs.progress import ProgressReporter, stored_percent

logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """A fault worth trying again after a back-off (a mail server that refused, say). The
    message is shown to the user as it is."""


def worker_name() -> str:
    """Who runs a job: "host:pid", so a worker on the same machine can tell it is dead."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def lease_seconds() -> float:
    return float(settings.JOBS_LEASE_SECONDS)


# Enqueue ----------------------------------------------------------------------------------


def job_enqueue(
    *,
    kind: str,
    actor,
    params: dict | None = None,
    customer=None,
    invoice=None,
    payment_import=None,
) -> Job:
    """Create a job of `kind` and put it on the queue. With a backend that runs tasks at once
    (tests), the job has run when this returns."""
    if kind not in KINDS:
        raise ValueError(f"Unknown job kind {kind!r}")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params={"language": translation.get_language(), **(params or {})},
            customer=customer,
            invoice=invoice,
            payment_import=payment_import,
            created_by=actor if getattr(actor, "pk", None) else None,
            max_attempts=KINDS[kind].max_attempts,
        )
        if _queue_in_database():
            _enqueue_task(job)  # commits with the job, or neither does
    if not _queue_in_database():
        _enqueue_task(job)  # a backend that runs it at once: outside our transaction
    job.refresh_from_db()
    return job


def _queue_in_database() -> bool:
    from django_tasks_db.backend import DatabaseBackend

    from kunde.jobs.tasks import run_job

    return isinstance(run_job.get_backend(), DatabaseBackend)


def _enqueue_task(job: Job, *, run_after=None) -> None:
    from kunde.jobs.tasks import run_job

    task = run_job
    if run_after is not None and task.get_backend().supports_defer:
        task = task.using(run_after=run_after)
    result = task.enqueue(job.pk)
    # An immediate backend has run the job already, so only the task id is written here.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


# Run --------------------------------------------------------------------------------------


class _LeaseKeeper(threading.Thread):
    """Renews the leases of the jobs this process runs, on its own database connection: one
    thread per process for all its jobs (a thread started per job cost more than a no-op job).
    `hold` and `release` a job around its run; `renew` does one round."""

    def __init__(self):
        super().__init__(name="job-leases", daemon=True)
        self.held: dict[int, str] = {}  # job id -> worker name
        self.lock = threading.Lock()

    def hold(self, job_id: int, worker: str) -> None:
        with self.lock:
            self.held[job_id] = worker

    def release(self, job_id: int) -> None:
        with self.lock:
            self.held.pop(job_id, None)

    def renew(self) -> None:
        with self.lock:
            held = list(self.held.items())
        for job_id, worker in held:
            try:
                Job.objects.filter(pk=job_id, state=JobState.RUNNING, worker=worker).update(
                    lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())
                )
            except Exception:
                # The database is busy or away: the next round tries again.
                logger.warning("Could not renew the lease of job %s", job_id)

    def run(self):
        while True:
            time.sleep(max(lease_seconds() / 4, 0.05))
            if self.held:
                self.renew()
                connection.close()  # this thread's own; not kept open between rounds


_keeper: _LeaseKeeper | None = None
_keeper_lock = threading.Lock()


def _lease_keeper() -> _LeaseKeeper:
    """This process's keeper, started on its first job (again in a forked child, where the
    parent's thread does not run)."""
    global _keeper
    with _keeper_lock:
        if _keeper is None or not _keeper.is_alive():
            _keeper = _LeaseKeeper()
            _keeper.start()
        return _keeper


def job_run(*, job_id: int) -> dict:
    """Run one attempt of a queued job (the task calls this). A job that is not queued any
    more (cancelled, already run by another worker) is left alone."""
    me = worker_name()
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        attempts=F("attempts") + 1,
        worker=me,
        lease_expires_at=now + timedelta(seconds=lease_seconds()),
        started_at=now,
        run_after=None,
    )
    if not claimed:
        return {"skipped": True}
    job = Job.objects.select_related("created_by").get(pk=job_id)
    # Messages in the language of the person who asked: a worker starts without one.
    with translation.override(job.params.get("language")):
        return _run_claimed(job, me)


def _run_claimed(job: Job, me: str) -> dict:
    kind = KINDS[job.kind]
    reporter = ProgressReporter(job.pk)
    keeper = _lease_keeper()
    keeper.hold(job.pk, me)
    mine = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, worker=me, attempts=job.attempts)
    try:
        result = import_string(kind.run)(job, reporter)
    except RetryLater as exc:
        _failed_attempt(job, mine, message=str(exc), trace="")
        return {"error": str(exc)}
    except ValidationError as exc:
        _give_up(job, mine, message=" ".join(exc.messages), trace="")
        return {"error": " ".join(exc.messages)}
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        message = _("The job stopped with an unexpected error: %(error)s") % {"error": exc}
        _give_up(job, mine, message=message, trace=traceback.format_exc())
        return {"error": message}
    finally:
        keeper.release(job.pk)
        reporter.clear()
    mine.update(
        state=JobState.SUCCEEDED,
        result=result or {},
        progress=100,
        error="",
        lease_expires_at=None,
        finished_at=timezone.now(),
    )
    return result or {}


def _backoff(job: Job) -> timedelta:
    return timedelta(seconds=KINDS[job.kind].backoff_base * 2 ** max(job.attempts - 1, 0))


def _failed_attempt(job: Job, mine, *, message: str, trace: str) -> None:
    """An attempt failed with a fault worth retrying: queue the next after the back-off, or
    give up when the attempts are used."""
    if job.attempts >= job.max_attempts:
        _give_up(job, mine, message=message, trace=trace)
        return
    when = timezone.now() + _backoff(job)
    with transaction.atomic():
        if mine.update(
            state=JobState.QUEUED,
            error=message,
            traceback=trace,
            lease_expires_at=None,
            run_after=when,
        ):
            _enqueue_task(job, run_after=when)


def _give_up(job: Job, mine, *, message: str, trace: str) -> None:
    if mine.update(
        state=JobState.FAILED,
        error=message,
        traceback=trace,
        lease_expires_at=None,
        finished_at=timezone.now(),
    ):
        _call_give_up(job)


def _call_give_up(job: Job) -> None:
    hook = KINDS[job.kind].give_up
    if hook:
        try:
            import_string(hook)(Job.objects.get(pk=job.pk))
        except Exception:
            logger.exception("Freeing what failed job %s held went wrong", job.pk)


# Workers that died ------------------------------------------------------------------------


def _dead_here(worker: str) -> bool:
    """True when `worker` ran on this machine and its process is gone."""
    host, _sep, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def job_is_lost(job: Job, *, now=None) -> bool:
    """A running job whose worker is gone: its lease ran out, or its process on this machine
    no longer exists (found at once, without waiting for the lease)."""
    if job.state != JobState.RUNNING:
        return False
    now = now or timezone.now()
    return bool(job.lease_expires_at and job.lease_expires_at < now) or _dead_here(job.worker)


def jobs_reap() -> int:
    """Take back the running jobs whose worker died: each is queued again (its work is
    idempotent) while it has attempts left, else it fails. Returns how many were taken back."""
    now = timezone.now()
    taken = 0
    for job in Job.objects.filter(state=JobState.RUNNING):
        if job_is_lost(job, now=now):
            taken += _take_back(job)
    return taken


def _take_back(job: Job) -> int:
    mine = Job.objects.filter(
        pk=job.pk, state=JobState.RUNNING, worker=job.worker, attempts=job.attempts
    )
    message = _("The worker running this job stopped (killed, or its machine was lost).")
    logger.warning("Job %s lost its worker %s", job.pk, job.worker)
    _library_task_lost(job.task_id)
    if job.attempts >= job.max_attempts:
        before = mine.exists()
        _give_up(job, mine, message=message, trace="")
        return int(before)
    with transaction.atomic():
        if not mine.update(state=JobState.QUEUED, error=message, lease_expires_at=None):
            return 0
        _enqueue_task(job)
    return 1


def _library_task_lost(task_id: str) -> None:
    """The database backend's row of a task whose worker died stays "running" for ever; say
    it failed, so its own listings are true."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks_db.models import DBTaskResult

    try:
        DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="kunde.jobs.WorkerLost",
            traceback="The worker running this task stopped.",
        )
    except (ValidationError, ValueError):
        pass


def jobs_housekeeping() -> dict:
    """What a worker tidies now and then: the files of expired downloads, the PDFs of issued
    documents whose render was lost (`kunde.invoices.pdf.lost_pdfs_render`), and sent offers
    past their valid-until date, which become expired (no cron needed)."""
    from kunde.invoices.pdf import lost_pdfs_render
    from kunde.jobs.downloads import downloads_purge
    from kunde.offers.services import offers_expire

    return {
        "downloads_removed": downloads_purge(),
        "pdfs_rendered": lost_pdfs_render(),
        "offers_expired": offers_expire(),
    }


# What an administrator does ---------------------------------------------------------------


def job_retry(*, actor, job: Job) -> Job:
    """Run a failed or cancelled job again, with one more attempt."""
    with transaction.atomic():
        updated = Job.objects.filter(
            pk=job.pk, state__in=(JobState.FAILED, JobState.CANCELLED)
        ).update(
            state=JobState.QUEUED,
            max_attempts=F("attempts") + 1,
            run_after=None,
            finished_at=None,
            progress=0,
        )
        if not updated:
            raise ValidationError(_("Only a failed or cancelled job can be run again."))
        logger.info("Job %s retried by %s", job.pk, actor)
        _enqueue_task(job)
    job.refresh_from_db()
    return job


def job_cancel(*, actor, job: Job) -> Job:
    """Cancel a job that waits in the queue (a running one cannot be stopped half-way)."""
    updated = Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED,
        error=_("Cancelled by %(user)s.") % {"user": actor.get_username()},
        finished_at=timezone.now(),
    )
    if not updated:
        raise ValidationError(_("Only a job waiting in the queue can be cancelled."))
    job.refresh_from_db()
    _call_give_up(job)
    return job


# Reads ------------------------------------------------------------------------------------


def job_progress(job: Job) -> int:
    """0-100: what the running job stored last, else its row's value."""
    if job.state == JobState.RUNNING:
        stored = stored_percent(job.pk)
        if stored is not None:
            return max(job.progress, stored)
    return 100 if job.state == JobState.SUCCEEDED else job.progress


def job_check(job: Job) -> Job:
    """The job as it is now, after taking it back if its worker died."""
    if job_is_lost(job):
        _take_back(job)
        job.refresh_from_db()
    return job
