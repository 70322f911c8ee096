"""FILE_STORAGE=s3 for real, over HTTP against a local S3-compatible server (moto's standalone
server in its own process): uploads, downloads, issued PDFs, bank files and import progress."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from storages.backends.s3 import S3Storage

from kunde.files import services
from kunde.files.storage_tools import StorageProblem, check_storage, copy_files_to_s3
from kunde.files.tests.conftest import s3_storage_settings
from kunde.files.tests.s3_server import S3Server, free_port


def _keys(s3_server, bucket) -> list[str]:
    answer = s3_server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def test_upload_and_download_go_through_the_bucket(
    s3_storage, s3_server, client_for, manager, customer
):
    data = b"%PDF-1.4 not really" + bytes(range(256)) * 100
    client = client_for(manager)
    response = client.post(
        reverse("files:customer_files", args=[customer.pk]),
        {"files": SimpleUploadedFile("Avtale æøå.bin", data)},
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 201
    record = services.CustomerFile.objects.get()
    assert isinstance(record.file.storage._wrapped, S3Storage)
    assert _keys(s3_server, s3_storage) == [record.file.name]
    download = client.get(reverse("files:download", args=[customer.pk, record.pk]))
    assert download.status_code == 200
    assert download["Content-Length"] == str(len(data))
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == record.sha256


def test_a_download_can_redirect_to_a_signed_url(
    s3_storage, s3_server, settings, client_for, manager, customer
):
    settings.FILE_DOWNLOAD_REDIRECT = True
    record = services.file_upload(
        actor=manager, customer=customer, upload=SimpleUploadedFile("a.txt", b"signed")
    )
    response = client_for(manager).get(reverse("files:download", args=[customer.pk, record.pk]))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(s3_server.url) and "Signature" in location
    assert "response-content-disposition=attachment" in location
    import urllib.request

    with urllib.request.urlopen(location, timeout=10) as answer:  # the local server only
        assert answer.read() == b"signed"


def test_invoice_issue_and_payment_import_keep_their_files_in_the_bucket(
    s3_storage, s3_server, finance, draft, django_capture_on_commit_callbacks
):
    from kunde.invoices.services import invoice_issue
    from kunde.payments.imports import payments_import
    from kunde.payments.models import ImportStatus
    from kunde.payments.progress import ImportProgressReporter, progress_name
    from kunde.payments.tests.conftest import ocr_file, ocr_transaction

    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered after commit
        invoice = invoice_issue(actor=finance, invoice=draft)
    invoice.refresh_from_db()
    assert invoice.pdf.name in _keys(s3_server, s3_storage)
    with invoice.pdf.open("rb") as stored:
        pdf = stored.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == invoice.pdf_sha256

    data = ocr_file([ocr_transaction(1, invoice.total_ore, invoice.kid)])
    # The progress a background import writes goes to the same bucket.
    reporter = ImportProgressReporter(0)
    record = payments_import(actor=finance, data=data, file_name="OCR.txt", progress=reporter)
    assert record.status == ImportStatus.BOOKED
    assert record.file.name in _keys(s3_server, s3_storage)
    assert progress_name(0) in _keys(s3_server, s3_storage)
    with record.file.open("rb") as stored:
        assert stored.read() == data
    invoice.refresh_from_db()
    assert invoice.payments.get().amount_ore == invoice.total_ore


def test_import_progress_is_written_to_and_read_from_the_bucket(s3_storage, s3_server):
    from kunde.payments.progress import (
        ImportProgressReporter,
        import_progress_clear,
        import_progress_read,
    )

    reporter = ImportProgressReporter(4242)
    reporter(3, 10)
    live = import_progress_read(4242)
    assert (live.done, live.total) == (3, 10)
    assert any("progress" in key for key in _keys(s3_server, s3_storage))
    import_progress_clear(4242)
    assert import_progress_read(4242) is None


def test_check_storage_passes_on_a_working_bucket(s3_storage, s3_server, capsys):
    call_command("check-storage")
    assert f"S3 bucket '{s3_storage}'" in capsys.readouterr().out
    assert _keys(s3_server, s3_storage) == []  # the test object is gone again


def test_check_storage_says_the_bucket_is_missing(settings, s3_server):
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_settings(s3_server.url, "nope")}
    with pytest.raises(CommandError, match="bucket does not exist"):
        call_command("check-storage")


def test_check_storage_says_the_endpoint_is_down():
    storage = S3Storage(**s3_storage_settings(f"http://127.0.0.1:{free_port()}", "b")["OPTIONS"])
    with pytest.raises(StorageProblem, match="endpoint does not answer"):
        check_storage(storage)


def test_check_storage_says_the_credentials_are_refused():
    server = S3Server(require_auth=True)
    try:
        storage = S3Storage(**s3_storage_settings(server.url, "b")["OPTIONS"])
        with pytest.raises(StorageProblem, match="refused the credentials"):
            check_storage(storage)
    finally:
        server.stop()


def test_copy_files_to_s3_verifies_and_resumes(
    settings, media_root, s3_server, s3_bucket, manager, customer, monkeypatch, capsys
):
    first = services.file_upload(
        actor=manager, customer=customer, upload=SimpleUploadedFile("a.txt", b"one")
    )
    second = services.file_upload(
        actor=manager, customer=customer, upload=SimpleUploadedFile("b.txt", b"two")
    )
    for name, value in {
        "AWS_STORAGE_BUCKET_NAME": s3_bucket,
        "AWS_S3_ENDPOINT_URL": s3_server.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_REGION_NAME": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    # Interrupted after the first file: run again, and only the rest is copied.
    target = S3Storage(**s3_storage_settings(s3_server.url, s3_bucket)["OPTIONS"])

    def stop_after_first(name):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        copy_files_to_s3(target=target, progress=stop_after_first)
    assert len(_keys(s3_server, s3_bucket)) == 1
    call_command("copy-files", "--to", "s3")
    out = capsys.readouterr().out
    assert "1 files copied and verified, 1 already there." in out
    assert _keys(s3_server, s3_bucket) == sorted([first.file.name, second.file.name])
    # Now the installation runs on S3: the same rows read their bytes from the bucket.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(s3_server.url, s3_bucket),
    }
    first.refresh_from_db()
    with first.file.open("rb") as moved:
        assert moved.read() == b"one"
