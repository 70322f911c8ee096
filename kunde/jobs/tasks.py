"""The one task Kunde puts on the queue: run a job. Everything about the job (what, retries,
lease, progress) is in `kunde.jobs.services`; the queue only carries its id."""

from django_tasks import task


@task()
def run_job(job_id: int) -> dict:
    from kunde.jobs.services import job_run

    return job_run(job_id=job_id)
