"""The worker: the database backend's worker loop, plus what Kunde adds around it. A reaper
thread takes back the jobs of dead workers; a database that goes away for a while is waited
for instead of ending the worker."""

import logging
import threading
import time

from django.conf import settings
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    connections,
)
from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger("kunde.jobs")

# The longest wait between two tries of an unavailable database.
MAX_DB_WAIT_SECONDS = 30.0
# How often a worker removes expired downloads and renders lost PDFs.
HOUSEKEEPING_SECONDS = 60.0


class Reaper(threading.Thread):
    """Every few seconds, queue again the jobs whose worker died (`jobs_reap`); and about once
    a minute the housekeeping (`jobs_housekeeping`: expired downloads, lost PDF renders, offers
    past their valid-until date)."""

    def __init__(self, every: float, housekeeping_every: float = HOUSEKEEPING_SECONDS):
        super().__init__(name="jobs-reaper", daemon=True)
        self.every = every
        self.housekeeping_every = housekeeping_every
        self.stopped = threading.Event()

    def run(self):
        from kunde.jobs.services import jobs_housekeeping, jobs_reap

        kept_house_at = None
        while not self.stopped.is_set():
            try:
                jobs_reap()
                now = time.monotonic()
                if kept_house_at is None or now - kept_house_at >= self.housekeeping_every:
                    kept_house_at = now
                    jobs_housekeeping()
            except Exception:
                logger.warning("Reaping lost jobs failed; trying again", exc_info=True)
                connection.close()
            self.stopped.wait(self.every)
        connection.close()


def _keep_sqlite_connections() -> None:
    """A worker keeps its SQLite connection from job to job. The settings close it after
    every request (CONN_MAX_AGE 0), and the library's loop closes "old" connections after
    every job: opening one again, and the WAL checkpoint when the last one closes, took longer
    than a no-op job. PostgreSQL connections already live for CONN_MAX_AGE."""
    for alias in connections:
        if connections.settings[alias]["ENGINE"] == "django.db.backends.sqlite3":
            connections[alias].close()
            connections.settings[alias]["CONN_MAX_AGE"] = None


class KundeWorker(Worker):
    def __init__(self, *, sleep=time.sleep, **kwargs):
        super().__init__(**kwargs)
        self.sleep = sleep
        self.db_waits = 0

    def run(self) -> None:
        _keep_sqlite_connections()
        reaper = Reaper(
            float(settings.JOBS_REAP_SECONDS),
            min(HOUSEKEEPING_SECONDS, float(settings.PDF_RENDER_LOST_AFTER_SECONDS)),
        )
        reaper.start()
        try:
            self._run_through_outages()
        finally:
            reaper.stopped.set()

    def _run_through_outages(self) -> None:
        wait = 0.5
        while self.running:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as exc:
                # The library's loop ends on any error but a locked database; a database that
                # restarts or a network that blips must not end the worker.
                self.db_waits += 1
                logger.warning("The database is unavailable (%s); waiting %.1f s", exc, wait)
                try:
                    close_old_connections()
                    connection.close()
                except Exception:
                    pass
                self.sleep(wait)
                wait = min(wait * 2, MAX_DB_WAIT_SECONDS)
                self.startup_delay = False
