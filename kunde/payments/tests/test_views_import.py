"""The import page: upload an OCR giro or camt.054 file, its summary, refusals, the history with
the stored files, and large files imported in the background."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from kunde.jobs.models import Job
from kunde.lib.camt054 import (
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Notification,
    Camt054Transaction,
    CreditorReference,
)
from kunde.lib.camt054_writer import write_camt054
from kunde.payments import import_jobs, services
from kunde.payments.models import ImportStatus, MatchRule, Payment, PaymentImport
from kunde.payments.progress import (
    ImportProgressReporter,
    LiveProgress,
    import_progress_read,
    progress_name,
    progress_storage,
)
from kunde.payments.services import invoice_open_ore

from .conftest import ocr_file, ocr_transaction

URL = "/payments/import/"


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def upload(client, data: bytes, name="OCR.20261120.txt", **extra):
    return client.post(URL, {"file": SimpleUploadedFile(name, data)}, **extra)


def count(page: str, key: str) -> str:
    return page.split(f'data-count="{key}">')[1].split("<")[0].strip()


@pytest.fixture
def media(settings, tmp_path):
    """Stored files (and progress files) in a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def three(make_invoice):
    return [make_invoice(100_000), make_invoice(50_000), make_invoice(20_000)]


def ocr_paying(three, transmission="1000001") -> bytes:
    a, b, c = three
    return ocr_file(
        [
            ocr_transaction(1, 100_000, a.kid),  # paid in full
            ocr_transaction(2, 20_000, b.kid),  # partly
            ocr_transaction(3, 25_000, c.kid),  # 50 kr too much
            ocr_transaction(4, 9_900, "12345674", text="Faktura 99 fra Kari"),  # unknown KID
        ],
        transmission=transmission,
    )


def camt_file(kid: str, amount_ore: int, *, message_id="MSG-1") -> bytes:
    amount = Decimal(amount_ore) / 100
    tx = Camt054Transaction(
        amount=amount,
        currency="NOK",
        credit_debit="CRDT",
        account_servicer_reference="T1",
        debtor_name="Fjellheim Konsult AS",
        creditor_references=(CreditorReference("SCOR", kid),),
    )
    entry = Camt054Entry(
        amount=amount,
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        transactions=(tx,),
        booking_date=date(2026, 11, 20),
        account_servicer_reference="E1",
    )
    return write_camt054(
        Camt054Notification(
            message_id=message_id,
            created_at=datetime(2026, 11, 20, 8, 0, tzinfo=UTC),
            version="001.04",
            notifications=(
                Camt054AccountNotification(
                    id="N1",
                    account_iban="NO9386011117947",
                    account_other_id=None,
                    currency="NOK",
                    entries=(entry,),
                ),
            ),
        )
    )


# Importing ------------------------------------------------------------------------------------


def test_finance_imports_an_ocr_file_and_sees_the_summary(client_for, finance, three):
    client = client_for(finance)
    response = upload(client, ocr_paying(three))
    record = PaymentImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/import/{record.pk}/"
    assert record.status == ImportStatus.BOOKED

    page = text(client.get(response["Location"]))
    assert "OCR.20261120.txt" in page and "Nets OCR giro" in page
    counts = {key: count(page, key) for key in ("transactions", "matched", "partial", "over",
                                                "unmatched", "duplicates")}  # fmt: skip
    assert counts == {"transactions": "4", "matched": "1", "partial": "1", "over": "1",
                      "unmatched": "1", "duplicates": "0"}  # fmt: skip
    assert count(page, "total") == "1 549,00 kr"
    assert count(page, "booked") == "4 · 1 549,00 kr"
    assert 'href="/payments/unmatched/"' in page
    assert [invoice_open_ore(i) for i in three] == [0, 30_000, 0]
    assert Payment.objects.filter(match_rule=MatchRule.UNMATCHED).count() == 1


def test_finance_imports_a_camt_file(client_for, finance, three):
    client = client_for(finance)
    response = upload(client, camt_file(three[1].kid, 50_000), name="camt054.xml")
    page = text(client.get(response["Location"]))
    assert "camt.054" in page
    assert count(page, "matched") == "1"
    assert invoice_open_ore(three[1]) == 0


def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_booked(
    client_for, finance, three
):
    lines = ocr_paying(three).decode("latin-1").split("\n")
    lines[5] = lines[5][:40] + "X" + lines[5][41:]  # a letter in an amount
    response = upload(client_for(finance), "\n".join(lines).encode("latin-1"), name="bad.txt")
    assert response.status_code == 400
    page = text(response)
    assert "The file was refused." in page
    refusal = page.split('data-testid="import-refused">')[1].split("</div>")[0]
    assert "Line 6:" in refusal and "Nothing booked." in refusal
    assert Payment.objects.count() == 0
    refused = PaymentImport.objects.get()
    assert refused.status == ImportStatus.REFUSED
    # The refused file stays in the history, for inspection.
    history = page.split('id="import-history"')[1]
    assert f'href="/payments/import/{refused.pk}/file/"' in history and "bad.txt" in history


def test_the_same_file_twice_is_refused_with_a_link_to_the_first_import(client_for, finance, three):
    client = client_for(finance)
    data = ocr_paying(three)
    upload(client, data)
    first = PaymentImport.objects.get()
    response = upload(client, data, name="again.txt")
    assert response.status_code == 400
    page = text(response)
    assert "was imported on" in page and "nothing booked" in page
    assert f'href="/payments/import/{first.pk}/">See import {first.pk}</a>' in page
    assert Payment.objects.count() == 5  # four transactions, one split into invoice and credit


@pytest.mark.parametrize(
    "files, message",
    [({}, "This field is required."), ({"file": SimpleUploadedFile("e.txt", b"")},
                                      "The submitted file is empty.")],
)  # fmt: skip
def test_a_missing_or_empty_file_is_refused(client_for, finance, company, files, message):
    response = client_for(finance).post(URL, files)
    assert response.status_code == 200
    assert message in text(response)
    assert PaymentImport.objects.count() == 0


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_other_roles_may_not_import_or_see_imports(request, client_for, finance, three, role):
    upload(client_for(finance), ocr_paying(three))
    record = PaymentImport.objects.get()
    client = client_for(request.getfixturevalue(role))
    assert upload(client, ocr_paying(three, transmission="1000002")).status_code == 403
    for url in [URL, f"{URL}{record.pk}/", f"{URL}{record.pk}/status/", f"{URL}{record.pk}/file/"]:
        assert client.get(url).status_code == 403
    assert PaymentImport.objects.count() == 1 and Payment.objects.count() == 5


# History, file and status ---------------------------------------------------------------------


def test_the_history_lists_imports_and_gives_back_the_stored_file(client_for, finance, three):
    client = client_for(finance)
    data = ocr_paying(three)
    upload(client, data, name="OCR.20261120.txt")
    record = PaymentImport.objects.get()
    page = text(client.get(URL))
    assert f'href="/payments/import/{record.pk}/file/"' in page
    assert "Booked" in page
    response = client.get(f"{URL}{record.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert 'filename="OCR.20261120.txt"' in response["Content-Disposition"]


def test_the_status_of_an_import_is_json(client_for, finance, three):
    client = client_for(finance)
    upload(client, ocr_paying(three))
    record = PaymentImport.objects.get()
    assert client.get(f"{URL}{record.pk}/status/").json() == {
        "id": record.pk,
        "status": "booked",
        "done": True,
        "progress": 4,
        "total": 4,
        "error": "",
        "url": f"/payments/import/{record.pk}/",
    }


def test_a_running_import_shows_a_progress_bar_that_asks_for_the_status(client_for, finance):
    record = PaymentImport.objects.create(
        file_name="big.txt", sha256="0" * 64, created_by=finance, total=5000
    )
    page = text(client_for(finance).get(f"{URL}{record.pk}/"))
    assert f'data-import-status="/payments/import/{record.pk}/status/"' in page
    assert '<progress max="5000"' in page
    assert "Booking the payments (5000 in the file)…" in page


def test_the_status_shows_the_progress_stored_by_the_booking_in_another_process(
    client_for, finance, media
):
    record = PaymentImport.objects.create(
        file_name="big.txt", sha256="1" * 64, created_by=finance, total=5000
    )
    client = client_for(finance)
    assert client.get(f"{URL}{record.pk}/status/").json()["progress"] == 0
    # The thread that books may run in another process or on another app server: all they
    # share is the file storage.
    ImportProgressReporter(record.pk)(3000, 5000)
    status = client.get(f"{URL}{record.pk}/status/").json()
    assert (status["progress"], status["total"], status["done"]) == (3000, 5000, False)
    ImportProgressReporter(record.pk)(4000, 5000)
    assert client.get(f"{URL}{record.pk}/status/").json()["progress"] == 4000


def test_a_broken_progress_file_leaves_the_progress_of_the_row(client_for, finance, media):
    record = PaymentImport.objects.create(
        file_name="big.txt", sha256="2" * 64, created_by=finance, total=5000, progress=10
    )
    progress_storage().save(progress_name(record.pk), ContentFile(b'{"done": 30'))
    status = client_for(finance).get(f"{URL}{record.pk}/status/").json()
    assert (status["progress"], status["done"]) == (10, False)


def test_an_unknown_import_is_404(client_for, finance, db):
    assert client_for(finance).get(f"{URL}999999/").status_code == 404
    assert client_for(finance).get(f"{URL}999999/file/").status_code == 404


# Large files, booked by a worker of the task queue ----------------------------------------------
# (Unit tests run the queue's jobs at once; kunde/jobs/tests runs a real worker process.)


def _record_progress(monkeypatch) -> list:
    """The reports of the queued imports, each with the progress stored after it."""
    reports = []

    class RecordingReporter(ImportProgressReporter):
        def __call__(self, done, total):
            super().__call__(done, total)
            reports.append(((done, total), import_progress_read(self.import_id)))

    monkeypatch.setattr(import_jobs, "ImportProgressReporter", RecordingReporter)
    return reports


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_booked_by_a_job(client_for, finance, three, media, settings, monkeypatch):
    settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    reports = _record_progress(monkeypatch)
    client = client_for(finance)
    response = upload(client, ocr_paying(three))
    record = PaymentImport.objects.get()
    job = Job.objects.get()
    assert (job.kind, job.payment_import_id, job.state) == (
        "payments.import",
        record.pk,
        "succeeded",
    )
    # The first and the last report are stored; those between may wait for the interval.
    assert (reports[0], reports[-1]) == (((0, 4), LiveProgress(0, 4)), ((4, 4), LiveProgress(4, 4)))
    done = [done for (done, _total), _stored in reports]
    assert done == sorted(done)
    assert not progress_storage().exists(progress_name(record.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/payments/import/{record.pk}/"
    assert record.status == ImportStatus.BOOKED
    assert client.get(f"{URL}{record.pk}/status/").json()["done"] is True
    assert count(text(client.get(response["Location"])), "matched") == "1"
    assert [invoice_open_ore(i) for i in three] == [0, 30_000, 0]


@pytest.mark.django_db(transaction=True)
def test_a_large_malformed_file_is_refused_by_its_job(client_for, finance, three, settings):
    settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    client = client_for(finance)
    response = upload(client, b"NY000010" + b"x" * 200 + b"\n")
    record = PaymentImport.objects.get()
    assert response["Location"] == f"/payments/import/{record.pk}/"
    assert record.status == ImportStatus.REFUSED
    assert "Line 1:" in text(client.get(response["Location"]))
    job = Job.objects.get()
    assert job.state == "failed" and "Line 1:" in job.error and job.traceback == ""
    assert Payment.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_large_file_imported_before_is_refused_at_once(client_for, finance, three, settings):
    settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    client = client_for(finance)
    upload(client, ocr_paying(three))
    response = upload(client, ocr_paying(three))
    assert response.status_code == 400
    assert "was imported on" in text(response)
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", ["refused", "error"])
def test_the_progress_file_is_removed_when_a_queued_import_fails(
    client_for, finance, media, settings, monkeypatch, failure
):
    settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    reports = _record_progress(monkeypatch)

    def failing_run(*, record, actor, data, progress):
        # Refused or stopped while booking, after the file was read.
        progress(0, 3000)
        progress(1000, 3000)
        if failure == "refused":
            raise services.PaymentImportRefused("Refused.", payment_import=record)
        raise RuntimeError("The disk is full.")

    monkeypatch.setattr(import_jobs, "payment_import_run", failing_run)
    response = upload(client_for(finance), b"x" * 200)
    record = PaymentImport.objects.get()
    assert response["Location"] == f"/payments/import/{record.pk}/"
    assert reports[0] == ((0, 3000), LiveProgress(0, 3000))
    assert not progress_storage().exists(progress_name(record.pk))
    job = Job.objects.get()
    assert job.state == "failed"
    assert bool(job.traceback) is (failure == "error")
    # Whatever stopped it, the file is free again: the import is refused, nothing booked.
    record.refresh_from_db()
    assert record.status == ImportStatus.REFUSED


@pytest.fixture
def norwegian(client_for, finance):
    """Finance's client, speaking Norwegian. The test client's requests run in this thread, so
    Norwegian is switched off again afterwards, for the tests that follow."""
    client = client_for(finance)
    client.post("/language/", {"language": "nb", "next": URL})
    yield client
    translation.deactivate()


def test_a_refusal_from_the_parser_is_shown_in_norwegian(norwegian, three):
    client = norwegian
    lines = ocr_paying(three).decode("latin-1").split("\n")
    lines[5] = lines[5][:40] + "X" + lines[5][41:]  # a letter in an amount

    response = upload(client, "\n".join(lines).encode("latin-1"), name="feil.txt")

    refusal = text(response).split('data-testid="import-refused">')[1].split("</div>")[0]
    assert (
        "Linje 6: posisjon 35-41 (posisjon 35-41) i post 31 (beløpspost 2): ventet sifre" in refusal
    )
    assert "Line" not in refusal


@pytest.mark.django_db(transaction=True)
def test_a_queued_import_refuses_in_the_language_of_the_person_importing(
    norwegian, three, settings
):
    settings.PAYMENT_IMPORT_QUEUE_ABOVE_BYTES = 100
    client = norwegian

    upload(client, b"NY000010" + b"x" * 200 + b"\n")
    translation.activate("en")  # the worker runs without the request's language

    error = PaymentImport.objects.get().error
    assert (
        error == "Linje 1: posten har 208 tegn; hver post må ha nøyaktig 80. Ingenting er bokført."
    )
