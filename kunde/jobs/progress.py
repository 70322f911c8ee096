"""A running job's progress, readable by every process and app server.

Long work often runs in one database transaction (a payment import books in one), which holds
SQLite's write lock and hides its changes on PostgreSQL, so the job's row cannot show progress
until it commits. The worker therefore stores the percentage as a tiny JSON file in the file
storage (`default_storage`, shared by all app servers) at `jobs/progress/<id>.json`, at most
about twice a second, and removes it when the job ends; readers take it over the row's value.
"""

import json
import logging
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

WRITE_INTERVAL_SECONDS = 0.5


def progress_name(job_id: int) -> str:
    return f"jobs/progress/{job_id}.json"


class ProgressReporter:
    """`reporter(done, total)` stores the job's progress as a percentage: the first report, the
    last (done >= total) and in between at most one every interval. A failed write is logged
    and ignored: progress must never stop the work."""

    def __init__(self, job_id: int, *, interval: float = WRITE_INTERVAL_SECONDS):
        self.job_id = job_id
        self.interval = interval
        self._written_at: float | None = None
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = min(100, max(0, done * 100 // total)) if total > 0 else 0
        now = time.monotonic()
        if percent == self._last:
            return
        if self._written_at is not None and done < total and now - self._written_at < self.interval:
            return
        self._written_at, self._last = now, percent
        name = progress_name(self.job_id)
        try:
            default_storage.delete(name)
            default_storage.save(name, ContentFile(json.dumps({"percent": percent}).encode()))
        except Exception:
            logger.warning("Could not store the progress of job %s", self.job_id, exc_info=True)

    def clear(self) -> None:
        try:
            default_storage.delete(progress_name(self.job_id))
        except Exception:
            logger.warning("Could not remove the progress of job %s", self.job_id, exc_info=True)


def stored_percent(job_id: int) -> int | None:
    """The percentage last stored for a running job, or None."""
    try:
        with default_storage.open(progress_name(job_id), "rb") as handle:
            data = json.loads(handle.read())
    except (FileNotFoundError, ValueError):
        return None
    except Exception:
        logger.warning("Could not read the progress of job %s", job_id, exc_info=True)
        return None
    percent = data.get("percent") if isinstance(data, dict) else None
    return percent if type(percent) is int and 0 <= percent <= 100 else None
