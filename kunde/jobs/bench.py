"""`kunde bench --jobs`: the figures of the task queue's speed goals (issue 11).

- enqueue-to-start latency of an idle worker (the median of `samples` no-op jobs, each
  enqueued when the worker has nothing else to do);
- throughput of no-op jobs with 1 and with 2 worker processes (all enqueued first, then the
  workers started; jobs/s from the first job's start to the last one's end);
- the OCR import through the queue against the same import run directly, both committed: the
  queued one from the enqueue until a real worker process has booked the file.

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
from django.utils import timezone

from kunde.jobs.models import Job, JobState
from kunde.jobs.services import job_enqueue

REPO_ROOT = Path(__file__).resolve().parents[2]
GOAL_LATENCY_MS = 200
GOAL_QUEUED_IMPORT_RATIO = 1.2
GOAL_QUEUED_IMPORT_TRANSACTIONS = 100_000


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


def bench_queued_import(*, transactions: int, rounds: int = 3, log: Callable = print) -> dict:
    """The OCR import run directly and through the queue, both committed, `rounds` times each
    (a round: one of each, in turn first): the ratio is the median of the rounds' ratios, as
    one import of 100,000 on this shared machine varied from 10 to 25 seconds.

    Direct: `payments_import` in this process. Queued: the file stored and the job enqueued
    here, then booked by a real, idle `kunde worker` process; timed from before the enqueue to
    the job's own finish time (so polling for it costs nothing). Fairness: each run starts from
    the same database state, as what the one before it booked (payments, activity entries, the
    job, the import and its file) is deleted after it, and PostgreSQL gets a VACUUM ANALYZE
    before each run, as the payment import's own bench does (plans for freshly inserted
    invoices, no dead rows from the run before)."""
    from kunde.demo.bench import planner_statistics_refresh
    from kunde.payments import bench as payments_bench

    actor = payments_bench._bench_user()
    open_invoices = payments_bench._bench_invoices_ensure(transactions, actor=actor, log=log)
    data = payments_bench._ocr_file(open_invoices)
    # Both ways once with a small file first: the first import in a process pays for code and
    # caches warming up (measured at 2,000 transactions: the direct one 1.6 x the queued one).
    warm_up = payments_bench._ocr_file(open_invoices[:50])
    direct, queued, to_start = [], [], []
    workers = [_start_worker()]
    try:
        with override_settings(DEBUG=False):
            _import_undo(_import_direct(warm_up, actor)[0].pk)
            _import_undo(_import_queued(warm_up, actor, timeout=60)[0].pk)
            log(
                f"Importing {len(open_invoices):,} OCR transactions directly and through the "
                f"queue, {rounds} times each …"
            )
            for round_ in range(rounds):
                # Alternated, so neither way always runs first (the machine is shared).
                ways = ("direct", "queued") if round_ % 2 == 0 else ("queued", "direct")
                for way in ways:
                    planner_statistics_refresh()
                    if way == "direct":
                        record, seconds = _import_direct(data, actor)
                        direct.append(seconds)
                    else:
                        time.sleep(3 * float(settings.JOBS_POLL_SECONDS))  # worker idle
                        record, job, enqueued_at = _import_queued(
                            data, actor, timeout=max(600, transactions / 100)
                        )
                        if job.state != JobState.SUCCEEDED or record.status != "booked":
                            raise RuntimeError(
                                f"The queued import ended {job.state} ({record.status}): "
                                f"{job.error}"
                            )
                        queued.append((job.finished_at - enqueued_at).total_seconds())
                        to_start.append((job.started_at - enqueued_at).total_seconds() * 1000)
                    _import_undo(record.pk)
    finally:
        _stop(workers)
    ratios = [q / d for d, q in zip(direct, queued, strict=True)]
    ratio = statistics.median(ratios)
    return {
        "name": "payment_import_queued",
        "database": connection.vendor,
        "transactions": len(open_invoices),
        "rounds": rounds,
        "direct_seconds": [round(x, 3) for x in direct],
        "queued_seconds": [round(x, 3) for x in queued],
        "enqueue_to_start_ms": [round(x, 1) for x in to_start],
        "ratios": [round(x, 3) for x in ratios],
        "ratio": round(ratio, 3),
        "goal_ratio": GOAL_QUEUED_IMPORT_RATIO,
        "goal_transactions": GOAL_QUEUED_IMPORT_TRANSACTIONS,
        "met": ratio <= GOAL_QUEUED_IMPORT_RATIO,
        "goal_applies": len(open_invoices) >= GOAL_QUEUED_IMPORT_TRANSACTIONS,
        "note": (
            "both committed; the queued one from enqueue until a real worker has booked it; "
            "ratio: the median of the rounds'"
        ),
    }


def _import_direct(data: bytes, actor):
    """The import booked in this process, committed, and its seconds."""
    from kunde.payments.imports import payments_import

    started = time.perf_counter()
    record = payments_import(actor=actor, data=data, file_name="bench-ocr-direct.txt")
    return record, time.perf_counter() - started


def _import_queued(data: bytes, actor, *, timeout: float):
    """The import enqueued here and booked by a worker: its import, its job (ended), and the
    time it was enqueued."""
    from kunde.payments.import_jobs import payment_import_enqueue

    enqueued_at = timezone.now()
    record, job = payment_import_enqueue(actor=actor, data=data, file_name="bench-ocr-queued.txt")
    ended = Job.objects.filter(pk=job.pk, state__in=(JobState.SUCCEEDED, JobState.FAILED))
    _wait(ended.exists, timeout=timeout, what="the queued import", every=0.1)
    job.refresh_from_db()
    record.refresh_from_db()
    return record, job, enqueued_at


def _import_undo(import_id: int) -> None:
    """Delete what a committed bench import booked: its payments (split rows and the rows they
    came from in one statement), its activity entries, its job, the import and its file."""
    from kunde.activity.models import ActivityEntry
    from kunde.payments.models import Payment, PaymentImport

    record = PaymentImport.objects.get(pk=import_id)
    with transaction.atomic(), connection.cursor() as cursor:
        # Raw: the ORM would fetch 100,000 rows to check the `related` PROTECT one by one.
        cursor.execute(
            f"DELETE FROM {connection.ops.quote_name(Payment._meta.db_table)} "
            "WHERE source_import_id = %s",
            [import_id],
        )
        ActivityEntry.objects.filter(action="payment.imported", params__import=import_id).delete()
        Job.objects.filter(payment_import_id=import_id).delete()
        record.delete()
    record.file.storage.delete(record.file.name)


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
    yield bench_queued_import(transactions=import_transactions, log=log)
