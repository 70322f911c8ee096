"""`kunde bench --jobs`: the figures of the task queue's speed goals (issue 11).

- enqueue-to-start latency of an idle worker (the median of `samples` no-op jobs, each
  enqueued when the worker has nothing else to do);
- throughput of no-op jobs with 1 and with 2 worker processes (all enqueued first, then the
  workers started; jobs/s from the first job's start to the last one's end);
- the OCR import through the queue against the same import run directly: the queued one is the
  whole job layer (file stored, job enqueued, claimed, leased, progress, booked) run in this
  process plus the measured median enqueue-to-start latency; both are rolled back.

The workers are real `kunde worker` processes on the same database as the bench. The no-op jobs
stay in the jobs table as succeeded (small rows, as the jobs page shows recent ones).
"""

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.test import override_settings

from kunde.jobs.models import Job, JobState
from kunde.jobs.services import job_enqueue, job_run

REPO_ROOT = Path(__file__).resolve().parents[2]
GOAL_LATENCY_MS = 200
GOAL_QUEUED_IMPORT_RATIO = 1.2


def _start_worker() -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "TASKS_BACKEND": "django_tasks_db.backend.DatabaseBackend",
        "LOG_LEVEL": "WARNING",
        # As in production (DEBUG keeps every query in memory); `make bench` sets DEBUG=1.
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        # The bench's bulk-inserted invoices have no PDF: the workers' housekeeping would
        # render them ("lost") while the figures are taken.
        "PDF_RENDER_LOST_AFTER_SECONDS": str(10 * 365 * 24 * 3600),
    }
    return subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "kunde" / "manage.py"), "worker", "--no-startup-delay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait(condition: Callable[[], bool], *, timeout: float, what: str, every=0.005) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Timed out waiting for {what}")
        time.sleep(every)


def _succeeded(ids: list[int]) -> int:
    return Job.objects.filter(pk__in=ids, state=JobState.SUCCEEDED).count()


def bench_latency(*, actor, samples: int, log: Callable = print) -> dict:
    """Median milliseconds from enqueue to the start of an idle worker's run."""
    workers = [_start_worker()]
    try:
        warm = job_enqueue(kind="noop", actor=actor)
        _wait(lambda: _succeeded([warm.pk]) == 1, timeout=60, what="the worker to start")
        log(f"Enqueue-to-start latency of {samples} no-op jobs …")
        latencies = []
        for _ in range(samples):
            job = job_enqueue(kind="noop", actor=actor)
            _wait(lambda job=job: _succeeded([job.pk]) == 1, timeout=30, what="a no-op job")
            job.refresh_from_db()
            latencies.append((job.started_at - job.created_at).total_seconds() * 1000)
            time.sleep(0.05)  # idle again before the next
    finally:
        _stop(workers)
    median = statistics.median(latencies)
    return {
        "name": "jobs_latency",
        "database": connection.vendor,
        "samples": samples,
        "median_ms": round(median, 1),
        "max_ms": round(max(latencies), 1),
        "poll_seconds": float(settings.JOBS_POLL_SECONDS),
        "goal_ms": GOAL_LATENCY_MS,
        "met": median <= GOAL_LATENCY_MS,
    }


def bench_throughput(*, actor, jobs: int, workers: int, log: Callable = print) -> dict:
    """No-op jobs per second with `workers` worker processes."""
    log(f"Enqueueing {jobs} no-op jobs for {workers} worker(s) …")
    with transaction.atomic():
        ids = [job_enqueue(kind="noop", actor=actor).pk for _ in range(jobs)]
    running = [_start_worker() for _ in range(workers)]
    try:
        # Asked four times a second, by id range: the figure comes from the jobs' own times,
        # and a query of 10,000 ids every few milliseconds would slow the workers it measures.
        # PostgreSQL commits a job's rows four times (an fsync each): allow 5 jobs/s at least.
        batch = Job.objects.filter(pk__gte=min(ids), pk__lte=max(ids), kind="noop")
        _wait(
            lambda: batch.filter(state=JobState.SUCCEEDED).count() == jobs,
            timeout=max(600, jobs / 5),
            what="the no-op jobs",
            every=0.25,
        )
    finally:
        _stop(running)
    span = batch.aggregate(first=Min("started_at"), last=Max("finished_at"))
    seconds = max((span["last"] - span["first"]).total_seconds(), 1e-6)
    return {
        "name": f"jobs_throughput_{workers}_worker{'s' if workers > 1 else ''}",
        "database": connection.vendor,
        "jobs": jobs,
        "workers": workers,
        "seconds": round(seconds, 3),
        "jobs_per_second": round(jobs / seconds, 1),
        "note": "from the first job's start to the last one's end (start-up excluded)",
    }


def bench_queued_import(*, transactions: int, latency_ms: float, log: Callable = print) -> dict:
    """The OCR import run directly and through the job layer, each rolled back."""
    from kunde.demo.bench import planner_statistics_refresh
    from kunde.payments import bench as payments_bench
    from kunde.payments.import_jobs import payment_import_enqueue
    from kunde.payments.models import PaymentImport

    actor = payments_bench._bench_user()
    open_invoices = payments_bench._bench_invoices_ensure(transactions, actor=actor, log=log)
    data = payments_bench._ocr_file(open_invoices)
    log(f"Importing {len(open_invoices):,} OCR transactions directly and through the queue …")
    with override_settings(DEBUG=False):
        # Before each run, as the payment import's own bench: without it PostgreSQL plans the
        # KID look-ups of freshly inserted invoices as for an empty table, and the second run
        # reads the 100,000 dead payment rows the first one rolled back (measured: 1.7 × for
        # the one that came second).
        planner_statistics_refresh()
        direct, _summary = payments_bench._import_rolled_back(data, actor)
        planner_statistics_refresh()
        with transaction.atomic():
            started = time.perf_counter()
            record, job = payment_import_enqueue(
                actor=actor, data=data, file_name="bench-ocr-queued.txt"
            )
            job_run(job_id=job.pk)  # what the worker does, here in the rolled-back transaction
            in_process = time.perf_counter() - started
            state = Job.objects.get(pk=job.pk).state
            stored = record.file.name
            transaction.set_rollback(True)
    PaymentImport._meta.get_field("file").storage.delete(stored)
    if state != JobState.SUCCEEDED:
        raise RuntimeError(f"The queued import ended {state}")
    queued = in_process + latency_ms / 1000
    return {
        "name": "payment_import_queued",
        "database": connection.vendor,
        "transactions": len(open_invoices),
        "direct_seconds": round(direct, 3),
        "queued_seconds": round(queued, 3),
        "ratio": round(queued / direct, 3),
        "goal_ratio": GOAL_QUEUED_IMPORT_RATIO,
        "met": queued / direct <= GOAL_QUEUED_IMPORT_RATIO,
    }


def bench_jobs(
    *,
    quick: bool,
    log: Callable = print,
    noop_jobs: int | None = None,
    import_transactions: int | None = None,
    issuers: int = 8,
) -> Iterator[dict]:
    """The figures of issue 11, each as soon as it is taken. Sizes: --quick small ones, else
    the issue's (10,000 no-op jobs, an import of 100,000 transactions); `noop_jobs` and
    `import_transactions` set them."""
    from kunde.invoices.bench import bench_issuing, bench_issuing_concurrent
    from kunde.payments.bench import _bench_user

    actor = _bench_user()
    yield bench_issuing(count=300 if quick else 1000, log=log)  # as `kunde bench --quick`
    yield bench_issuing_concurrent(count=200 if quick else 2000, issuers=issuers, log=log)
    latency = bench_latency(actor=actor, samples=10 if quick else 50, log=log)
    yield latency
    if noop_jobs is None:
        noop_jobs = 200 if quick else 10_000
    for workers in (1, 2):
        yield bench_throughput(actor=actor, jobs=noop_jobs, workers=workers, log=log)
    if import_transactions is None:
        import_transactions = 2_000 if quick else 100_000
    yield bench_queued_import(
        transactions=import_transactions, latency_ms=latency["median_ms"], log=log
    )
