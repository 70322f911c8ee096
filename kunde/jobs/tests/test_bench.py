"""The jobs bench imports the same file committed twice: what one run booked is deleted
before the next, so both start from the same database."""

from kunde.activity.models import ActivityEntry
from kunde.jobs.bench import _import_undo
from kunde.jobs.models import Job
from kunde.payments.imports import payments_import
from kunde.payments.models import ImportStatus, Payment, PaymentImport
from kunde.payments.tests.conftest import company, make_invoice, ocr_file, ocr_transaction

__all__ = ["company", "make_invoice"]  # fixtures used here


def test_an_undone_import_leaves_nothing_and_the_file_imports_again(finance, make_invoice):
    invoices = [make_invoice(100_000), make_invoice(50_000)]
    data = ocr_file(
        [
            ocr_transaction(1, 100_000, invoices[0].kid),
            ocr_transaction(2, 60_000, invoices[1].kid),  # over: a split-off excess row
            ocr_transaction(3, 10_000, "00000018"),  # unknown KID
        ]
    )
    record = payments_import(actor=finance, data=data, file_name="OCR.txt")
    assert record.status == ImportStatus.BOOKED
    assert Payment.objects.filter(related__isnull=False).exists()
    assert ActivityEntry.objects.filter(action="payment.imported").exists()
    storage, name, first = record.file.storage, record.file.name, record.summary
    Job.objects.create(kind="payments.import", payment_import=record, created_by=finance)

    _import_undo(record.pk)

    assert not Payment.objects.exists() and not PaymentImport.objects.exists()
    assert not Job.objects.exists() and not storage.exists(name)
    assert not ActivityEntry.objects.filter(action="payment.imported").exists()
    again = payments_import(actor=finance, data=data, file_name="OCR.txt")
    assert again.status == ImportStatus.BOOKED
    assert {**again.summary, "import": record.pk} == first
