"""`kunde invoice-pdf NUMBER --out FILE`: the stored PDF of an issued document, byte for byte."""

import hashlib
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kunde.invoices import services
from kunde.invoices.models import Invoice
from kunde.invoices.tests.helpers import issue_with_pdf


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def invoice(draft, finance):
    return issue_with_pdf(actor=finance, invoice=draft, issue_date=date(2026, 11, 24))


def _stored(invoice) -> bytes:
    with invoice.pdf.open("rb") as stored:
        return stored.read()


def test_it_writes_the_stored_pdf(invoice, tmp_path):
    out = tmp_path / "faktura-1.pdf"
    stdout = StringIO()
    call_command("invoice-pdf", "1", "--out", str(out), stdout=stdout)
    written = out.read_bytes()
    assert written == _stored(invoice)
    assert written.startswith(b"%PDF")
    assert hashlib.sha256(written).hexdigest() == invoice.pdf_sha256
    assert stdout.getvalue() == f"Wrote Invoice 1 ({len(written)} bytes) to {out}.\n"


def test_it_writes_a_credit_note_too(invoice, finance, tmp_path):
    credit_note = issue_with_pdf(
        actor=finance, invoice=services.credit_note_create(actor=finance, invoice=invoice)
    )
    out = tmp_path / "kreditnota-2.pdf"
    call_command("invoice-pdf", "2", "--out", str(out), stdout=StringIO())
    assert out.read_bytes() == _stored(credit_note)
    assert _stored(credit_note) != _stored(invoice)


def test_an_unknown_number_is_refused(invoice, tmp_path):
    out = tmp_path / "faktura.pdf"
    with pytest.raises(CommandError, match="No issued invoice or credit note has number 2 "):
        call_command("invoice-pdf", "2", "--out", str(out))
    assert not out.exists()


def test_a_draft_is_refused(draft, tmp_path):
    out = tmp_path / "faktura.pdf"
    # Drafts have no number, so they are not found by one ...
    with pytest.raises(CommandError, match="a draft gets its number when it is issued"):
        call_command("invoice-pdf", "1", "--out", str(out))
    # ... and a draft that somehow carries one still has no PDF to give.
    Invoice.objects.filter(pk=draft.pk).update(number=1)
    with pytest.raises(CommandError, match="Document number 1 is a draft and has no PDF yet."):
        call_command("invoice-pdf", "1", "--out", str(out))
    assert not out.exists()


def test_a_changed_file_is_not_handed_out(invoice, tmp_path):
    with open(invoice.pdf.path, "r+b") as stored:
        stored.write(b"%PDF-9.9")
    out = tmp_path / "faktura.pdf"
    with pytest.raises(CommandError, match="does not match the checksum taken at issue"):
        call_command("invoice-pdf", "1", "--out", str(out))
    assert not out.exists()


def test_an_unwritable_target_is_a_clear_error(invoice, tmp_path):
    with pytest.raises(CommandError, match="Cannot write .*: No such file or directory."):
        call_command("invoice-pdf", "1", "--out", str(tmp_path / "missing" / "faktura.pdf"))


def test_the_number_must_be_a_number(db, tmp_path):
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("invoice-pdf", "F-1", "--out", str(tmp_path / "faktura.pdf"))
