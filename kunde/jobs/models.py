"""Background jobs: our record of each piece of long work that runs on the task queue.

The queue itself is Django's Tasks interface (`django-tasks`, with `django-tasks-db` keeping the
queue in our own database). It runs a task once and records success or failure; it has no
retries, no back-off, no lease for a worker that died, no progress and no link to what the work
is for. A `Job` adds exactly that: one row per piece of work, whatever the backend, with the
library's current task id beside it (README.md, "Background jobs").
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Job(models.Model):
    kind = models.CharField(max_length=50)  # a key of kunde.jobs.kinds.KINDS
    state = models.CharField(max_length=10, choices=JobState, default=JobState.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    # What the job is for, shown on the jobs page (none, one or several of these).
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payment_import = models.ForeignKey(
        "payments.PaymentImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, 0-100
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)  # the last error, in plain words for the user
    traceback = models.TextField(blank=True)  # for administrators
    # The library's task result that runs (or ran) the current attempt.
    task_id = models.CharField(max_length=64, blank=True)
    # "host:pid" of the worker running it; the lease is renewed while it lives.
    worker = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    run_after = models.DateTimeField(null=True, blank=True)  # the next attempt, after back-off
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "lease_expires_at"], name="job_state_lease"),
            models.Index(fields=["kind", "created_at"], name="job_kind_created"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.state in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)
