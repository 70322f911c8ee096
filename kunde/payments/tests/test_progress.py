"""The live progress of a background import, stored in the file storage for every process."""

import logging

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

from kunde.payments.models import PaymentImport
from kunde.payments.progress import (
    ImportProgressReporter,
    LiveProgress,
    import_progress_clear,
    import_progress_read,
    progress_name,
    progress_storage,
)


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path)


@pytest.fixture
def clock():
    return FakeClock()


def reporter_for(storage, clock, import_id=7):
    return ImportProgressReporter(import_id, interval=0.5, clock=clock, storage=storage)


def test_the_progress_lies_beside_the_imported_files():
    assert progress_storage() is PaymentImport._meta.get_field("file").storage
    assert progress_name(7) == "payment-imports/progress/7.json"


def test_the_first_report_is_written_at_once(storage, clock):
    reporter_for(storage, clock)(0, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(0, 5000)
    assert storage.open("payment-imports/progress/7.json").read() == b'{"done": 0, "total": 5000}'


def test_reports_are_written_at_most_once_per_interval(storage, clock):
    reporter = reporter_for(storage, clock)
    reporter(0, 5000)
    clock.now += 0.3
    reporter(1000, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(0, 5000)
    clock.now += 0.1
    reporter(2000, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(0, 5000)
    clock.now += 0.1  # half a second after the first write
    reporter(3000, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(3000, 5000)
    clock.now += 0.4
    reporter(4000, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(3000, 5000)


def test_the_last_report_is_always_written(storage, clock):
    reporter = reporter_for(storage, clock)
    reporter(0, 5000)
    reporter(1000, 5000)
    reporter(5000, 5000)
    assert import_progress_read(7, storage=storage) == LiveProgress(5000, 5000)


@pytest.mark.parametrize("allow_overwrite", [False, True])
def test_a_report_replaces_the_one_before(tmp_path, clock, allow_overwrite):
    storage = FileSystemStorage(location=tmp_path, allow_overwrite=allow_overwrite)
    reporter = reporter_for(storage, clock)
    for done in (0, 1000, 2000):
        reporter(done, 5000)
        clock.now += 1
    assert import_progress_read(7, storage=storage) == LiveProgress(2000, 5000)
    assert storage.listdir("payment-imports/progress") == ([], ["7.json"])


def test_each_import_has_its_own_progress(storage, clock):
    reporter_for(storage, clock, import_id=7)(100, 200)
    reporter_for(storage, clock, import_id=8)(300, 400)
    assert import_progress_read(7, storage=storage) == LiveProgress(100, 200)
    assert import_progress_read(8, storage=storage) == LiveProgress(300, 400)


def test_no_file_means_no_progress(storage):
    assert import_progress_read(7, storage=storage) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"done": 30',  # written half
        b"\xff\xfe",
        b"[3000, 5000]",
        b'{"done": "3000", "total": 5000}',
        b'{"done": true, "total": 1}',
        b'{"done": -1, "total": 5000}',
        b'{"total": 5000}',
    ],
)
def test_an_empty_or_broken_file_means_no_progress(storage, content):
    storage.save(progress_name(7), ContentFile(content))
    assert import_progress_read(7, storage=storage) is None


def test_clearing_removes_the_file(storage, clock):
    reporter = reporter_for(storage, clock)
    reporter(0, 5000)
    reporter.clear()
    assert not storage.exists(progress_name(7))
    assert import_progress_read(7, storage=storage) is None
    import_progress_clear(7, storage=storage)  # nothing to remove is fine


class BrokenStorage(FileSystemStorage):
    def save(self, name, content, max_length=None):
        raise OSError("No space left on device")


def test_a_failed_write_is_logged_and_does_not_stop_the_import(tmp_path, clock, caplog):
    reporter = reporter_for(BrokenStorage(location=tmp_path), clock)
    with caplog.at_level(logging.WARNING, logger="kunde.payments.progress"):
        reporter(0, 5000)
    assert "Could not store the progress of import 7" in caplog.text
    assert import_progress_read(7, storage=FileSystemStorage(location=tmp_path)) is None
