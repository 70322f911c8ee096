import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kunde.payments.models import ImportStatus, Payment, PaymentImport

from .conftest import ocr_file, ocr_transaction


@pytest.fixture
def ocr_path(tmp_path, make_invoice):
    a, b = make_invoice(100_000), make_invoice(50_000)
    path = tmp_path / "OCR.20261120.txt"
    path.write_bytes(
        ocr_file(
            [
                ocr_transaction(1, 100_000, a.kid),
                ocr_transaction(2, 10_000, b.kid),
                ocr_transaction(3, 500, ""),
            ]
        )
    )
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import-payments", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_json_prints_exactly_one_object(ocr_path, finance, admin):
    output = run(str(ocr_path), "--json", "--user", finance.username)

    summary = json.loads(output)
    assert summary["format"] == "ocr"
    assert (summary["transactions"], summary["booked"], summary["total"]) == (3, 3, "1105.00")
    assert (summary["matched"], summary["partial"], summary["unmatched"]) == (1, 1, 1)
    record = PaymentImport.objects.get()
    assert (record.created_by, record.pk) == (finance, summary["import"])


def test_human_summary_and_the_first_admin_as_default_user(ocr_path, admin):
    output = run(str(ocr_path))

    assert "3 transactions, total 1105.00" in output
    assert "1 exact, 1 partial, 0 over" in output
    assert PaymentImport.objects.get().created_by == admin


def test_the_same_file_again_fails_and_books_nothing(ocr_path, admin):
    run(str(ocr_path), "--json")

    with pytest.raises(CommandError, match="This file was imported on .*nothing booked"):
        run(str(ocr_path), "--json")
    assert Payment.objects.count() == 3


def test_a_broken_file_fails_with_its_line(tmp_path, admin, company):
    path = tmp_path / "broken.txt"
    path.write_bytes(b"NY000010" + b"0" * 72 + b"\nNY09\n")

    with pytest.raises(CommandError, match="Line 2"):
        run(str(path))
    assert PaymentImport.objects.get().status == ImportStatus.REFUSED
    assert Payment.objects.count() == 0


def test_a_missing_file_fails(tmp_path, admin):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.txt"))


def test_a_user_without_finance_rights_may_not_import(ocr_path, reader):
    with pytest.raises(CommandError, match="may not import payments"):
        run(str(ocr_path), "--user", reader.username)
