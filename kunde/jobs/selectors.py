"""What the jobs page shows, in a fixed number of queries."""

from kunde.jobs.models import Job, JobState

RECENT = 50


def _jobs():
    return Job.objects.select_related("customer", "invoice", "payment_import", "created_by")


def jobs_overview() -> dict[str, list[Job]]:
    """Waiting and running jobs, every failed job (they never vanish: an administrator retries
    or lives with them), and the most recent finished ones."""
    return {
        "active": list(
            _jobs().filter(state__in=(JobState.QUEUED, JobState.RUNNING)).order_by("created_at")
        ),
        "failed": list(_jobs().filter(state=JobState.FAILED)),
        "recent": list(_jobs().filter(state__in=(JobState.SUCCEEDED, JobState.CANCELLED))[:RECENT]),
    }
