"""Large downloads made by a worker: the invoices report, the ledger statement and the merged
print-queue PDF above a size. The click enqueues a job, the user watches its progress page
(`/jobs/<id>/`) and downloads the file, which stays in the file storage for
`DOWNLOADS_KEEP_HOURS` and is then removed by the worker's housekeeping (or `purge-files`).

Each kind of file has a builder, `builder(params: dict, report) -> DownloadFile`, the same
function the direct download below the threshold calls (with a reporter that does nothing), so
both give the same file. A builder raises ValidationError to refuse in plain words.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.module_loading import import_string

from kunde.jobs.models import Job, JobState

logger = logging.getLogger(__name__)

KIND = "download"
# What can be made, by name: "module.function" of its builder.
BUILDERS = {
    "invoices.report": "kunde.invoices.report_files.report_file",
    "payments.statement": "kunde.payments.views.ledger.statement_file",
    "invoices.print_queue": "kunde.invoices.delivery.print_queue_file",
}


@dataclass(frozen=True)
class DownloadFile:
    content: bytes
    filename: str
    content_type: str


def no_report(done: int, total: int) -> None:
    """The reporter of a direct download: nobody watches."""


def counted(rows: Iterable, *, total: int, report) -> Iterator:
    """`rows` as they are consumed, reporting how many of `total` have been read."""
    report(0, total)
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % 200 == 0:
            report(min(done, total), total)
    report(total, total)


def build(builder: str, params: dict, report=no_report) -> DownloadFile:
    return import_string(BUILDERS[builder])(params, report)


def goes_to_queue(rows: int) -> bool:
    return rows > settings.DOWNLOADS_QUEUE_ABOVE_ROWS


def download_enqueue(*, actor, builder: str, params: dict, customer=None, back: str = "") -> Job:
    """Queue the making of a large file for `actor`; the job's page shows its progress, and a
    link `back` to the page the download was asked from."""
    from kunde.jobs.services import job_enqueue

    if builder not in BUILDERS:
        raise ValueError(f"Unknown download {builder!r}")
    return job_enqueue(
        kind=KIND,
        actor=actor,
        params={"builder": builder, "args": params, "back": back},
        customer=customer,
    )


def file_name(job_id: int, filename: str) -> str:
    return f"jobs/downloads/{job_id}/{filename}"


def run_download(job: Job, report) -> dict:
    """The job: make the file and keep it in the file storage."""
    made = build(job.params["builder"], job.params.get("args", {}), report)
    name = file_name(job.pk, made.filename)
    default_storage.delete(name)  # a retried attempt replaces what an earlier one left
    stored = default_storage.save(name, ContentFile(made.content))
    expires = timezone.now() + timedelta(hours=settings.DOWNLOADS_KEEP_HOURS)
    return {
        "file": stored,
        "filename": made.filename,
        "content_type": made.content_type,
        "size": len(made.content),
        "expires_at": expires.isoformat(),
    }


def download_available(job: Job) -> bool:
    return (
        job.kind == KIND
        and job.state == JobState.SUCCEEDED
        and bool(job.result.get("file"))
        and not job.result.get("expired")
    )


def downloads_purge(*, now=None) -> int:
    """Remove the files of downloads older than `DOWNLOADS_KEEP_HOURS`; their jobs stay, marked
    expired. Returns how many files were removed."""
    now = now or timezone.now()
    before = now - timedelta(hours=settings.DOWNLOADS_KEEP_HOURS)
    removed = 0
    old = Job.objects.filter(kind=KIND, state=JobState.SUCCEEDED, finished_at__lt=before)
    for job in old.exclude(result__has_key="expired").only("pk", "result").iterator():
        name = job.result.get("file")
        if name:
            try:
                default_storage.delete(name)
            except Exception:
                logger.warning("Could not remove download %s", name, exc_info=True)
                continue
            removed += 1
        Job.objects.filter(pk=job.pk).update(result={**job.result, "expired": True})
    return removed
