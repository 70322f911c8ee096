"""The jobs page for administrators: what the workers do, what failed and why; retry, cancel.
And one job's own page for whoever started it: its progress, then its file (`downloads`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.jobs import downloads, selectors, services
from kunde.jobs.kinds import kind_label
from kunde.jobs.models import Job


@require_GET
@role_required("can_edit_company")
def job_list(request):
    overview = selectors.jobs_overview()
    for jobs in overview.values():
        for job in jobs:
            job.label = kind_label(job.kind)
            job.percent = services.job_progress(job)
    return render(request, "jobs/list.html", overview)


@require_POST
@role_required("can_edit_company")
def job_retry(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    try:
        services.job_retry(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Job %(id)s was queued again.") % {"id": job.pk})
    return redirect("jobs:list")


@require_POST
@role_required("can_edit_company")
def job_cancel(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    try:
        services.job_cancel(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Job %(id)s was cancelled.") % {"id": job.pk})
    return redirect("jobs:list")


# One job, for whoever started it --------------------------------------------------------------


def _own_job(request, job_id: int) -> Job:
    """The job, when the user started it or is an administrator; else 404."""
    jobs = Job.objects.select_related("customer")
    if not request.user.can_edit_company:
        jobs = jobs.filter(created_by=request.user)
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise Http404(_("No such job."))
    return services.job_check(job)


def _job_context(job: Job) -> dict:
    return {
        "job": job,
        "label": kind_label(job.kind),
        "percent": services.job_progress(job),
        "can_download": downloads.download_available(job),
        "expired": bool(job.result.get("expired")),
    }


@require_GET
def job_detail(request, job_id: int):
    job = _own_job(request, job_id)
    return render(request, "jobs/detail.html", _job_context(job))


@require_GET
def job_status(request, job_id: int):
    """The changing part of the job's page, fetched by the page's script every second."""
    job = _own_job(request, job_id)
    return render(request, "jobs/_status.html", _job_context(job))


@require_GET
def job_download(request, job_id: int):
    job = _own_job(request, job_id)
    if not downloads.download_available(job):
        raise Http404(_("This file is not (or no longer) available."))
    try:
        handle = default_storage.open(job.result["file"], "rb")
    except FileNotFoundError:
        raise Http404(_("This file is not (or no longer) available.")) from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.result["filename"],
        content_type=job.result["content_type"],
    )


def file_response(made: downloads.DownloadFile) -> HttpResponse:
    """A file made in the request, as an attachment."""
    response = HttpResponse(made.content, content_type=made.content_type)
    response["Content-Disposition"] = content_disposition_header(True, made.filename)
    return response
