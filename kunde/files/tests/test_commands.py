import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kunde.files import services
from kunde.files.models import CustomerFile
from kunde.files.storage_tools import StorageProblem, check_storage


def test_check_storage_on_the_local_folder(media_root, capsys):
    call_command("check-storage")
    assert f"The file storage works: folder {media_root}" in capsys.readouterr().out
    assert not list((media_root / "kunde-check").iterdir())


def test_check_storage_says_a_folder_cannot_be_used(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageProblem, match="folder"):
        check_storage(FileSystemStorage(location=blocker))


def test_purge_files_command(manager, customer, capsys, settings):
    settings.FILES_RETENTION_DAYS = 10
    record = services.file_upload(
        actor=manager, customer=customer, upload=ContentFile(b"x", name="a.txt")
    )
    services.file_delete(actor=manager, file=record)
    call_command("purge-files")
    assert "0 deleted files purged." in capsys.readouterr().out
    CustomerFile.objects.update(deleted_at=timezone.now() - dt.timedelta(days=11))
    call_command("purge-files")
    assert "1 deleted files purged." in capsys.readouterr().out
    assert not CustomerFile.objects.exists()


def test_copy_files_needs_the_bucket_named(monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        call_command("copy-files", "--to", "s3")
