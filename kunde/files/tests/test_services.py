import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.files import services
from kunde.files.models import CustomerFile
from kunde.files.tests.conftest import pdf_bytes, png_bytes


def test_upload_stores_bytes_hash_size_and_type(manager, customer, upload):
    record = services.file_upload(
        actor=manager, customer=customer, upload=upload("avtale.txt", b"abc"), description=" x "
    )
    assert record.name == "avtale.txt"
    assert record.description == "x"
    assert record.size == 3
    assert record.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert record.content_type == "text/plain"
    assert record.uploaded_by == manager
    assert record.file.name.startswith(f"customer-files/{customer.pk}/")
    assert "avtale" not in record.file.name  # the user's name is never a path
    with record.file.open("rb") as stored:
        assert stored.read() == b"abc"
    assert ActivityEntry.objects.filter(customer=customer, action="file.uploaded").exists()


def test_a_path_in_the_name_keeps_only_the_last_part(manager, customer, upload):
    record = services.file_upload(
        actor=manager, customer=customer, upload=upload("../../etc/pass wd.txt")
    )
    assert record.name == "pass wd.txt"


@pytest.mark.parametrize("name", ["...", "./", "..", " . . "])
def test_a_name_of_only_dots_is_refused_and_nothing_stored(
    name, manager, customer, upload, stored_names
):
    with pytest.raises(ValidationError, match="only dots or slashes"):
        services.file_upload(actor=manager, customer=customer, upload=upload(name))
    assert CustomerFile.objects.count() == 0
    assert stored_names(customer) == []


def test_an_empty_file_is_refused(manager, customer, upload, stored_names):
    with pytest.raises(ValidationError, match="is empty"):
        services.file_upload(actor=manager, customer=customer, upload=upload("a.txt", b""))
    assert CustomerFile.objects.count() == 0
    assert stored_names(customer) == []


@pytest.mark.parametrize(
    "name,data",
    [
        ("setup.exe", b"MZ\x90\x00rest"),
        ("page.html", b"<p>hi</p>"),
        ("disguised.pdf", b"MZ\x90\x00an executable renamed"),
        ("report.txt", b"  <!DOCTYPE html><html><script>alert(1)</script>"),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ],
)
def test_executables_and_html_are_blocked(name, data, manager, customer, upload, stored_names):
    with pytest.raises(ValidationError, match="may not be uploaded"):
        services.file_upload(actor=manager, customer=customer, upload=upload(name, data))
    assert stored_names(customer) == []


@override_settings(BLOCKED_UPLOAD_TYPES=[".zip"])
def test_the_administrator_sets_the_blocked_types(manager, customer, upload):
    with pytest.raises(ValidationError, match=r"\.zip"):
        services.file_upload(actor=manager, customer=customer, upload=upload("a.zip", b"PK.."))
    record = services.file_upload(actor=manager, customer=customer, upload=upload("a.html"))
    assert record.content_type == "text/html"


@override_settings(MAX_UPLOAD_MB=1)
def test_a_file_over_the_limit_is_refused(manager, customer, upload, stored_names):
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        services.file_upload(
            actor=manager, customer=customer, upload=upload("big.bin", b"x" * (1024 * 1024 + 1))
        )
    assert stored_names(customer) == []


def test_the_same_bytes_twice_ask_before_keeping_both(manager, customer, upload):
    first = services.file_upload(actor=manager, customer=customer, upload=upload("a.txt", b"1"))
    with pytest.raises(services.DuplicateUpload) as caught:
        services.file_upload(actor=manager, customer=customer, upload=upload("b.txt", b"1"))
    assert caught.value.existing == first
    second = services.file_upload(
        actor=manager, customer=customer, upload=upload("b.txt", b"1"), keep_both=True
    )
    assert second.sha256 == first.sha256 and second.file.name != first.file.name


def test_the_same_bytes_for_another_customer_are_no_duplicate(
    manager, customer, other_customer, upload
):
    services.file_upload(actor=manager, customer=customer, upload=upload("a.txt", b"1"))
    services.file_upload(actor=manager, customer=other_customer, upload=upload("a.txt", b"1"))
    assert CustomerFile.objects.count() == 2


def test_read_only_may_not_upload_rename_or_delete(reader, manager, customer, upload):
    with pytest.raises(PermissionDenied):
        services.file_upload(actor=reader, customer=customer, upload=upload())
    record = services.file_upload(actor=manager, customer=customer, upload=upload())
    with pytest.raises(PermissionDenied):
        services.file_update(actor=reader, file=record, name="x.txt")
    with pytest.raises(PermissionDenied):
        services.file_delete(actor=reader, file=record)


def test_a_failed_row_leaves_no_bytes_behind(manager, customer, upload, stored_names, monkeypatch):
    def broken_log(**kwargs):
        raise IntegrityError("database refused")

    monkeypatch.setattr(services, "log_activity", broken_log)
    with pytest.raises(IntegrityError):
        services.file_upload(
            actor=manager, customer=customer, upload=upload("logo.png", png_bytes())
        )
    assert CustomerFile.objects.count() == 0
    assert stored_names(customer) == []  # neither the file nor its thumbnail


def test_images_and_pdfs_get_a_thumbnail(manager, customer, upload):
    image = services.file_upload(
        actor=manager, customer=customer, upload=upload("logo.png", png_bytes(), "image/png")
    )
    pdf = services.file_upload(
        actor=manager, customer=customer, upload=upload("avtale.pdf", pdf_bytes())
    )
    text = services.file_upload(actor=manager, customer=customer, upload=upload("a.txt"))
    for record in (image, pdf):
        with record.thumbnail.open("rb") as thumb:
            assert thumb.read(8) == b"\x89PNG\r\n\x1a\n"
    assert not text.thumbnail


def test_a_broken_image_is_stored_without_thumbnail(manager, customer, upload):
    record = services.file_upload(
        actor=manager, customer=customer, upload=upload("broken.png", b"\x89PNG not really")
    )
    assert record.content_type == "image/png" and not record.thumbnail


def test_rename_and_describe(manager, customer, upload):
    record = services.file_upload(actor=manager, customer=customer, upload=upload())
    services.file_update(actor=manager, file=record, name="Møtereferat.txt", description="Mai")
    record.refresh_from_db()
    assert (record.name, record.description) == ("Møtereferat.txt", "Mai")
    with pytest.raises(ValidationError):
        services.file_update(actor=manager, file=record, name="//")


def test_delete_is_soft_and_an_administrator_restores(admin, manager, customer, upload):
    record = services.file_upload(actor=manager, customer=customer, upload=upload())
    services.file_delete(actor=manager, file=record)
    record.refresh_from_db()
    assert record.deleted_at is not None and record.deleted_by == manager
    assert record.file.storage.exists(record.file.name)
    with pytest.raises(PermissionDenied):
        services.file_restore(actor=manager, file=record)
    services.file_restore(actor=admin, file=record)
    record.refresh_from_db()
    assert record.deleted_at is None


@override_settings(FILES_RETENTION_DAYS=30)
def test_purge_removes_rows_and_bytes_after_the_retention_period(manager, customer, upload):
    old = services.file_upload(actor=manager, customer=customer, upload=upload("a.txt", b"1"))
    recent = services.file_upload(actor=manager, customer=customer, upload=upload("b.txt", b"2"))
    live = services.file_upload(actor=manager, customer=customer, upload=upload("c.txt", b"3"))
    services.file_delete(actor=manager, file=old)
    services.file_delete(actor=manager, file=recent)
    CustomerFile.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))
    assert services.files_purge() == 1
    assert not CustomerFile.objects.filter(pk=old.pk).exists()
    assert not old.file.storage.exists(old.file.name)
    assert set(CustomerFile.objects.values_list("pk", flat=True)) == {recent.pk, live.pk}
