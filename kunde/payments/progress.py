"""The live progress of a background payment import, readable by every process and app server.

The booking is one database transaction, so the import's row shows no progress until it
commits (on SQLite the booking holds the write lock; on PostgreSQL the row is locked and its
changes are invisible). The thread that books therefore writes its progress as a tiny JSON
object, {"done": n, "total": t}, into the file storage that holds the imported files (a folder
under KUNDE_DATA_DIR, or S3-compatible storage shared by several app servers), beside them at
`payment-imports/progress/<id>.json`. The status of an import reads it from there, whichever
process or server answers; the file is removed when the import ends.

`payments_import` reports every 1,000 transactions; on S3 each write is a request, so
`ImportProgressReporter` writes the first and the last report and in between at most one every
`WRITE_INTERVAL_SECONDS`.
"""

import json
import logging
import time
from collections.abc import Callable
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from kunde.payments.models import PaymentImport

logger = logging.getLogger(__name__)

# Beside the imported files (the file field's upload_to is "payment-imports/%Y/").
PROGRESS_DIR = "payment-imports/progress"
# The import page asks every second; a write every half second keeps its bar moving.
WRITE_INTERVAL_SECONDS = 0.5


class LiveProgress(NamedTuple):
    done: int
    total: int


def progress_storage() -> Storage:
    """The storage of the imported files, which also holds the progress files."""
    return PaymentImport._meta.get_field("file").storage


def progress_name(import_id: int) -> str:
    return f"{PROGRESS_DIR}/{import_id}.json"


class ImportProgressReporter:
    """`reporter(done, total)` is a `progress` callback for `payments_import` that stores the
    progress of import `import_id` for every process to read (`import_progress_read`).

    Writes the first report, every report with `done >= total` (the last), and in between at
    most one every `interval` seconds as measured by `clock`. A failed write is logged and
    ignored: the progress bar must never stop the booking. `clear()` removes the file.
    """

    def __init__(
        self,
        import_id: int,
        *,
        interval: float = WRITE_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        storage: Storage | None = None,
    ):
        self.import_id = import_id
        self.interval = interval
        self.clock = clock
        self.storage = storage if storage is not None else progress_storage()
        self._written_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        first = self._written_at is None
        if not first and done < total and now - self._written_at < self.interval:
            return
        self._written_at = now
        try:
            _write(self.storage, progress_name(self.import_id), {"done": done, "total": total})
        except Exception:
            logger.warning(
                "Could not store the progress of import %s", self.import_id, exc_info=True
            )

    def clear(self) -> None:
        import_progress_clear(self.import_id, storage=self.storage)


def _write(storage: Storage, name: str, data: dict) -> None:
    content = ContentFile(json.dumps(data).encode())
    # Django's FileSystemStorage(allow_overwrite=True) and django-storages' S3Storage
    # (file_overwrite, on by default) replace a file on save; other storages give an existing
    # name a new one, so the old file goes first. A reader in between sees no progress.
    if not (
        getattr(storage, "allow_overwrite", False) or getattr(storage, "file_overwrite", False)
    ):
        storage.delete(name)
    saved = storage.save(name, content)
    if saved != name:
        # Another file took the name meanwhile; keep no stray copy.
        storage.delete(saved)
        raise OSError(f"the progress file {name} was stored as {saved}")


def import_progress_read(import_id: int, *, storage: Storage | None = None) -> LiveProgress | None:
    """The progress last stored for import `import_id`, or None when there is none or it cannot
    be read (not written yet, removed, or being written at this moment)."""
    storage = storage if storage is not None else progress_storage()
    try:
        with storage.open(progress_name(import_id), "rb") as handle:
            data = json.loads(handle.read())
    except (FileNotFoundError, ValueError):
        return None
    except Exception:
        logger.warning("Could not read the progress of import %s", import_id, exc_info=True)
        return None
    if not isinstance(data, dict):
        return None
    done, total = data.get("done"), data.get("total")
    if not all(type(value) is int and value >= 0 for value in (done, total)):
        return None
    return LiveProgress(done, total)


def import_progress_clear(import_id: int, *, storage: Storage | None = None) -> None:
    """Remove the progress file of import `import_id`, if any."""
    storage = storage if storage is not None else progress_storage()
    try:
        storage.delete(progress_name(import_id))
    except Exception:
        logger.warning("Could not remove the progress of import %s", import_id, exc_info=True)
