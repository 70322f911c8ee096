"""Jobs run at once here (the immediate backend): retries with back-off, refusals and errors,
workers found dead, and the administrator's retry and cancel."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResultQuerySet

from kunde.jobs import kinds
from kunde.jobs.kinds import Kind
from kunde.jobs.models import Job, JobState
from kunde.jobs.services import (
    RetryLater,
    job_cancel,
    job_enqueue,
    job_retry,
    jobs_reap,
)
from kunde.jobs.worker import KundeWorker

CALLS: list[int] = []


def flaky(job, report):
    """Fails until its third attempt."""
    CALLS.append(job.attempts)
    report(1, 2)
    if job.attempts < 3:
        raise RetryLater("The mail server said no.")
    return {"ok": True}


def refusing(job, report):
    raise ValidationError("The file is not a bank file.")


def broken(job, report):
    raise KeyError("surprise")


@pytest.fixture
def test_kinds(monkeypatch, settings):
    settings.JOBS_MAX_ATTEMPTS = 3
    settings.JOBS_RETRY_BASE_SECONDS = 10
    CALLS.clear()
    here = "kunde.jobs.tests.test_services"
    monkeypatch.setitem(kinds.KINDS, "flaky", Kind("Flaky", f"{here}.flaky"))
    monkeypatch.setitem(kinds.KINDS, "refusing", Kind("Refusing", f"{here}.refusing"))
    monkeypatch.setitem(kinds.KINDS, "broken", Kind("Broken", f"{here}.broken"))


def test_a_job_runs_and_records_its_result(db, finance):
    job = job_enqueue(kind="noop", actor=finance)
    assert (job.state, job.attempts, job.progress, job.result) == ("succeeded", 1, 100, {})
    assert job.task_id and job.created_by == finance


def test_a_fault_worth_retrying_is_retried_until_it_succeeds(db, finance, test_kinds):
    job = job_enqueue(kind="flaky", actor=finance)
    assert CALLS == [1, 2, 3]
    assert (job.state, job.attempts, job.result, job.error) == ("succeeded", 3, {"ok": True}, "")


def test_retries_back_off_exponentially_and_then_fail(db, finance, test_kinds, settings):
    settings.JOBS_MAX_ATTEMPTS = 2
    before = timezone.now()
    job = job_enqueue(kind="flaky", actor=finance)
    assert CALLS == [1, 2]
    assert (job.state, job.error, job.traceback) == ("failed", "The mail server said no.", "")
    # The second attempt was due 10 s after the first (then 20 s, 40 s, ...).
    from kunde.jobs.services import _backoff

    job.attempts = 3
    assert _backoff(job) == timedelta(seconds=40)
    assert job.finished_at >= before


def test_a_refusal_fails_at_once_with_its_message(db, finance, test_kinds):
    job = job_enqueue(kind="refusing", actor=finance)
    assert (job.state, job.attempts, job.error, job.traceback) == (
        "failed",
        1,
        "The file is not a bank file.",
        "",
    )


def test_an_error_keeps_its_traceback_for_administrators(db, finance, test_kinds):
    job = job_enqueue(kind="broken", actor=finance)
    assert job.state == "failed" and job.attempts == 1
    assert "surprise" in job.error and "Traceback" in job.traceback
    assert "KeyError" in job.traceback


def _running(finance, **fields) -> Job:
    return Job.objects.create(
        kind="noop",
        state=JobState.RUNNING,
        attempts=1,
        max_attempts=3,
        created_by=finance,
        **fields,
    )


def test_the_lease_keeper_renews_the_jobs_it_holds_and_no_other(db, finance):
    from kunde.jobs.services import _LeaseKeeper

    soon = timezone.now() + timedelta(seconds=5)
    held = _running(finance, worker="here:1", lease_expires_at=soon)
    other = _running(finance, worker="here:1", lease_expires_at=soon)
    keeper = _LeaseKeeper()  # not started: one round by hand
    keeper.hold(held.pk, "here:1")
    keeper.hold(other.pk, "taken-over:2")  # another worker runs it now
    keeper.renew()
    keeper.release(held.pk)
    keeper.release(other.pk)
    held.refresh_from_db()
    other.refresh_from_db()
    assert held.lease_expires_at > soon + timedelta(seconds=60)
    assert other.lease_expires_at == soon
    assert keeper.held == {}


def test_a_job_whose_lease_ran_out_is_run_again(db, finance):
    job = _running(finance, worker="elsewhere:1", lease_expires_at=timezone.now() - timedelta(1))
    assert jobs_reap() == 1
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("succeeded", 2)


def test_a_job_of_a_dead_process_on_this_machine_is_taken_back_at_once(db, finance):
    import socket

    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # above pid_max: no such process
    job = _running(finance, worker=dead, lease_expires_at=timezone.now() + timedelta(hours=1))
    assert jobs_reap() == 1
    job.refresh_from_db()
    assert job.state == "succeeded"


def test_a_live_job_is_left_alone(db, finance):
    from kunde.jobs.services import worker_name

    _running(finance, worker=worker_name(), lease_expires_at=timezone.now() + timedelta(hours=1))
    _running(finance, worker="elsewhere:1", lease_expires_at=timezone.now() + timedelta(hours=1))
    assert jobs_reap() == 0


def test_a_lost_job_out_of_attempts_fails_and_stays_listed(db, finance):
    job = _running(finance, worker="elsewhere:1", lease_expires_at=timezone.now() - timedelta(1))
    Job.objects.filter(pk=job.pk).update(attempts=3)
    jobs_reap()
    job.refresh_from_db()
    assert job.state == "failed" and "worker" in job.error


def test_a_failed_job_can_be_retried_and_a_queued_one_cancelled(db, admin, finance, test_kinds):
    job = job_enqueue(kind="refusing", actor=finance)
    with pytest.raises(ValidationError, match="waiting in the queue"):
        job_cancel(actor=admin, job=job)
    job = job_retry(actor=admin, job=job)
    assert (job.state, job.attempts, job.max_attempts) == ("failed", 2, 2)
    queued = Job.objects.create(kind="noop", created_by=finance)
    job_cancel(actor=admin, job=queued)
    queued.refresh_from_db()
    assert queued.state == "cancelled" and "ada" in queued.error
    with pytest.raises(ValidationError, match="failed or cancelled"):
        job_retry(actor=admin, job=job_enqueue(kind="noop", actor=finance))


@pytest.mark.django_db(transaction=True)
def test_the_worker_waits_for_an_unavailable_database_and_goes_on(finance, settings, monkeypatch):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    job = job_enqueue(kind="noop", actor=finance)
    assert job.state == "queued"
    real = DBTaskResultQuerySet.get_locked
    outages = iter([True, True])

    def unavailable_at_first(self):
        if next(outages, False):
            raise OperationalError("server closed the connection unexpectedly")
        return real(self)

    monkeypatch.setattr(DBTaskResultQuerySet, "get_locked", unavailable_at_first)
    waits = []
    worker = KundeWorker(
        sleep=waits.append,
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    worker.run()
    job.refresh_from_db()
    assert job.state == "succeeded"
    assert waits == [0.5, 1.0]  # waited, longer each time, then went on
