"""The jobs page for administrators: what the workers do, what failed and why; retry, cancel."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kunde.accounts.decorators import role_required
from kunde.jobs import selectors, services
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
