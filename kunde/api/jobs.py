"""Background jobs: the state, progress and result of long operations that answered 202."""

import datetime as dt

from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Schema, Status

from kunde.api.api import api
from kunde.jobs.downloads import download_available
from kunde.jobs.kinds import kind_label
from kunde.jobs.models import Job, JobState
from kunde.jobs.services import job_check, job_progress

TAGS = ["jobs"]


class JobOut(Schema):
    id: int
    kind: str = Field(description='What runs: "payments.import", "invoices.email", …')
    label: str
    state: JobState = Field(description="queued, running, succeeded, failed or cancelled.")
    progress: int = Field(description="0–100.")
    attempts: int
    max_attempts: int
    result: dict | None = Field(
        description="When succeeded: what the job made. A large download has `filename`, "
        "`content_type`, `size` and `expires_at`; fetch it from `file_url`."
    )
    file_url: str | None = Field(
        None, description="A large download that is ready: `GET` it here until it expires."
    )
    error: str = Field(description="When failed (or between retries): why, in plain words.")
    payment_import: int | None = Field(None, alias="payment_import_id")
    invoice: int | None = Field(None, alias="invoice_id")
    customer: int | None = Field(None, alias="customer_id")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class Detail(Schema):
    detail: str


def job_out(job: Job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": kind_label(job.kind),
        "state": job.state,
        "progress": job_progress(job),
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "result": job.result if job.state == JobState.SUCCEEDED else None,
        "file_url": (
            reverse("api:job_file", kwargs={"job_id": job.pk}) if download_available(job) else None
        ),
        "error": job.error,
        "payment_import_id": job.payment_import_id,
        "invoice_id": job.invoice_id,
        "customer_id": job.customer_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


@api.get(
    "/jobs/{job_id}",
    response={200: JobOut, 404: Detail},
    tags=TAGS,
    url_name="job",
    description="A job started by a call that answered 202 (its `Location`). Administrators "
    "see every job, others their own.",
)
def get_job(request, job_id: int):
    return job_out(job_check(_visible_job(request, job_id)))


def _visible_job(request, job_id: int) -> Job:
    jobs = Job.objects.all()
    if not request.user.can_edit_company:
        jobs = jobs.filter(created_by=request.user)
    return get_object_or_404(jobs, pk=job_id)


@api.get(
    "/jobs/{job_id}/file",
    response={200: None, 404: Detail},
    tags=TAGS,
    url_name="job_file",
    description="The file a large download job made (the job's `file_url`), as an attachment; "
    "404 until it is ready and after it expired (`DOWNLOADS_KEEP_HOURS`).",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, with its type",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def job_file(request, job_id: int):
    job = _visible_job(request, job_id)
    if not download_available(job):
        return Status(
            404, {"detail": "This job has no file (not ready, not a download, or expired)."}
        )
    try:
        handle = default_storage.open(job.result["file"], "rb")
    except FileNotFoundError:
        return Status(404, {"detail": "The file has been removed."})
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.result["filename"],
        content_type=job.result["content_type"],
    )
