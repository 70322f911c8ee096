"""The upload limit (issue 9, item 10) for every upload in the app: refused by Content-Length
before the body is read, or while it streams, with nothing kept on disk."""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory, override_settings
from django.urls import reverse

from kunde.files.limits import UploadLimitMiddleware
from kunde.files.models import CustomerFile
from kunde.payments.models import PaymentImport


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = readline = read


@override_settings(MAX_UPLOAD_MB=1)
@pytest.mark.parametrize(
    "path,accept,expected",
    [("/customers/1/files/", "text/html", "text/html"), ("/api/v1/x", "", "application/json")],
)
def test_a_too_long_body_is_refused_unread(path, accept, expected):
    request = RequestFactory().generic(
        "POST",
        path,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(5 * 1024 * 1024),
        HTTP_ACCEPT=accept,
    )
    request.META["wsgi.input"] = Unreadable()
    response = UploadLimitMiddleware(lambda request: pytest.fail("the view ran"))(request)
    assert response.status_code == 413
    assert response["Content-Type"].startswith(expected)
    assert "larger than 1 MB" in response.content.decode()


@pytest.fixture
def upload_temp_dir(settings, tmp_path):
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # every upload goes through a temporary file
    return folder


@override_settings(MAX_UPLOAD_MB=1)
def test_a_file_over_the_limit_within_the_slack_is_stopped_while_streaming(
    client_for, manager, customer, upload_temp_dir
):
    # 1.5 MB: under the Content-Length bound (limit + multipart slack), over the file limit.
    big = SimpleUploadedFile("big.bin", b"x" * (3 * 512 * 1024))
    response = client_for(manager).post(
        reverse("files:customer_files", args=[customer.pk]), {"files": big}
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert CustomerFile.objects.count() == 0
    assert os.listdir(upload_temp_dir) == []


@override_settings(MAX_UPLOAD_MB=1)
def test_the_api_answers_413(client_for, manager, customer, upload_temp_dir):
    big = SimpleUploadedFile("big.bin", b"x" * (3 * 512 * 1024))
    response = client_for(manager).post(f"/api/v1/customers/{customer.pk}/files", {"file": big})
    assert response.status_code == 413
    assert "larger than 1 MB" in response.json()["detail"]
    assert os.listdir(upload_temp_dir) == []


@override_settings(MAX_UPLOAD_MB=1)
def test_the_payment_import_upload_has_the_same_limit(client_for, finance, upload_temp_dir):
    big = SimpleUploadedFile("ocr.txt", b"N" * (3 * 512 * 1024))
    response = client_for(finance).post(reverse("payments:import"), {"file": big})
    assert response.status_code == 413
    assert PaymentImport.objects.count() == 0
    assert os.listdir(upload_temp_dir) == []
