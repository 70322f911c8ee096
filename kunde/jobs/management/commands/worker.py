"""`kunde worker`: run a worker of the task queue (django-tasks-db's `db_worker` with Kunde's
defaults: every queue, a short poll interval, no auto-reload, and the reaper and database-outage
handling of `kunde.jobs.worker`). Start as many as you like, on as many machines."""

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from kunde.jobs.services import worker_name
from kunde.jobs.worker import KundeWorker


class Command(DbWorkerCommand):
    help = "Run a worker that runs Kunde's background jobs (Ctrl+C stops it after the job)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(
            queue_name="*",
            interval=float(settings.JOBS_POLL_SECONDS),
            reload=False,
            worker_id=worker_name()[:64],
        )

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        worker = KundeWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
