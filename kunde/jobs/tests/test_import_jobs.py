"""Payment imports through the queue: 202 with the job from the API, 201 for a small file; an
import whose worker died is freed at once; an administrator can release an interrupted one."""

import socket
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kunde.jobs.models import Job, JobState
from kunde.payments.import_jobs import payment_import_enqueue
from kunde.payments.models import ImportStatus, Payment, PaymentImport
from kunde.payments.tests.conftest import ocr_file, ocr_transaction

API = "/api/v1/payment-imports"


def _file(n=3, transmission="1000001") -> bytes:
    return ocr_file(
        [ocr_transaction(i, 10_000 + i, f"{i:07d}8") for i in range(1, n + 1)],
        transmission=transmission,
    )


def _post(client, data):
    return client.post(API, {"file": SimpleUploadedFile("OCR.txt", data)})


def test_a_large_file_answers_202_with_the_job_to_follow(client_for, finance, queue):
    queue.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    client = client_for(finance)
    response = _post(client, _file())
    assert response.status_code == 202
    job = Job.objects.get()
    assert response["Location"] == f"/api/v1/jobs/{job.pk}"
    body = response.json()
    assert body["job"] == job.pk and body["payment_import"]["status"] == "running"
    followed = client.get(response["Location"]).json()
    assert (followed["state"], followed["progress"], followed["kind"]) == (
        "queued",
        0,
        "payments.import",
    )


def test_a_small_file_is_booked_at_once_with_201(client_for, finance, db):
    response = _post(client_for(finance), _file())
    assert response.status_code == 201
    assert response.json()["status"] == "booked" and not Job.objects.exists()


def test_the_openapi_document_names_both_answers(client_for, finance):
    operation = client_for(finance).get("/api/v1/openapi.json").json()["paths"][API]["post"]
    assert {"201", "202", "422"} <= set(operation["responses"])
    assert (
        "/api/v1/jobs/{job_id}" in client_for(finance).get("/api/v1/openapi.json").json()["paths"]
    )


def _crashed_import(finance, settings) -> tuple[PaymentImport, Job]:
    """An import whose worker process on this machine died half-way (no such pid)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    record, job = payment_import_enqueue(actor=finance, data=_file(), file_name="x.txt")
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        attempts=job.max_attempts,
        worker=f"{socket.gethostname()}:{2**22 + 777}",
        lease_expires_at=timezone.now() + timedelta(hours=1),
    )
    return record, job


def test_an_import_whose_worker_died_is_freed_at_once(client_for, finance, settings):
    record, job = _crashed_import(finance, settings)
    status = client_for(finance).get(f"/payments/import/{record.pk}/status/").json()
    # Out of attempts: the import is refused (nothing booked) and the file may come again.
    assert (status["status"], status["done"]) == ("refused", True)
    assert "worker" in status["error"]
    assert Job.objects.get(pk=job.pk).state == JobState.FAILED
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    again, _job = payment_import_enqueue(actor=finance, data=_file(), file_name="x.txt")
    assert again.pk == record.pk
    assert PaymentImport.objects.get(pk=record.pk).status == ImportStatus.BOOKED
    assert Payment.objects.count() == 3


def test_an_administrator_releases_an_interrupted_import(client_for, admin, finance, db):
    # Left "running" by a web process that died while booking a small file in the request.
    record = PaymentImport.objects.create(file_name="x.txt", sha256="9" * 64, created_by=finance)
    assert client_for(finance).post(f"/payments/import/{record.pk}/release/").status_code == 403
    response = client_for(admin).post(f"/payments/import/{record.pk}/release/", follow=True)
    assert "was released" in response.content.decode()
    record.refresh_from_db()
    assert record.status == ImportStatus.REFUSED and "Released by ada" in record.error


def test_an_import_a_live_worker_runs_cannot_be_released(client_for, admin, finance, settings):
    from kunde.jobs.services import worker_name

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}
    record, job = payment_import_enqueue(actor=finance, data=_file(), file_name="x.txt")
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        worker=worker_name(),
        lease_expires_at=timezone.now() + timedelta(hours=1),
    )
    response = client_for(admin).post(f"/payments/import/{record.pk}/release/", follow=True)
    assert "right now" in response.content.decode()
    assert PaymentImport.objects.get(pk=record.pk).status == ImportStatus.RUNNING
