import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image


def png_bytes(color=(200, 30, 30), size=(64, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def pdf_bytes(text="Avtale") -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


@pytest.fixture
def upload():
    """upload(name, data) -> a Django file as a view hands it to the service (any name: the
    test client and the multipart parser would clean some names before the service sees them)."""

    def make(name="notes.txt", data=b"hello files", content_type="text/plain"):
        return ContentFile(data, name=name)

    return make


@pytest.fixture
def stored_names():
    """Every name in the file storage under customer-files/ (to prove nothing is left)."""
    from kunde.files.services import storage

    def names(customer):
        files = storage()
        folder = f"customer-files/{customer.pk}"
        try:
            return sorted(files.listdir(folder)[1])
        except FileNotFoundError:
            return []

    return names


@pytest.fixture
def other_customer(db, manager):
    from kunde.customers.services import customer_create

    return customer_create(
        actor=manager, data={"name": "Havbris Design AS", "account_manager": manager}
    )


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """A fresh storage folder per test, so leftovers of one test never count in another."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def issued_invoice(draft, finance, django_capture_on_commit_callbacks):
    from kunde.invoices.services import invoice_issue

    with django_capture_on_commit_callbacks(execute=True):  # the PDF is rendered after commit
        invoice = invoice_issue(actor=finance, invoice=draft)
    invoice.refresh_from_db()
    return invoice


@pytest.fixture(scope="session")
def s3_server():
    from kunde.files.tests.s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()


def s3_storage_settings(url: str, bucket: str, **options) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": url,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "default_acl": None,
            "file_overwrite": False,
            "max_memory_size": 8 * 1024 * 1024,
            **options,
        },
    }


@pytest.fixture
def s3_bucket(s3_server, request):
    """A fresh bucket on the local S3 server (its name from the test's)."""
    import re

    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:50].strip("-") + "-b"
    s3_server.client().create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_storage(settings, s3_server, s3_bucket):
    """FILE_STORAGE=s3 for this test: the default storage (every FileField's) is the bucket."""
    settings.FILE_STORAGE = "s3"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_settings(s3_server.url, s3_bucket),
    }
    return s3_bucket
