# ruff: noqa: F811  (token_for: the API tests' fixture)
"""A lost PDF render (the document issued, its render after commit never done: the process
died, the render failed) is made again by a worker's housekeeping after
`PDF_RENDER_LOST_AFTER_SECONDS`; until then the page and the API say "being prepared"."""

import hashlib
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from kunde.api.tests.conftest import token_for  # noqa: F401  (fixture)
from kunde.invoices import pdf, services
from kunde.invoices.models import Invoice
from kunde.jobs.services import jobs_housekeeping
from kunde.lib.invoice_pdf import render_invoice_pdf


@pytest.fixture(autouse=True)
def no_failed_renders():
    """Failures are remembered per process; ids come again in the next test's data."""
    pdf._failed_renders.clear()
    yield
    pdf._failed_renders.clear()


@pytest.fixture
def lost(finance, draft, settings):
    """Issued, its render after commit never ran (a test never commits), and the timeout is
    past (it is 0 s here)."""
    settings.PDF_RENDER_LOST_AFTER_SECONDS = 0
    issued = services.invoice_issue(actor=finance, invoice=draft)
    assert not Invoice.objects.get(pk=issued.pk).pdf
    return issued


def test_housekeeping_renders_a_lost_pdf_once(lost):
    assert jobs_housekeeping()["pdfs_rendered"] == 1
    lost.refresh_from_db()
    expected = render_invoice_pdf(pdf.issued_printable(lost))
    with lost.pdf.open("rb") as stored:
        assert stored.read() == expected  # the same bytes as a render right after issue
    assert lost.pdf_sha256 == hashlib.sha256(expected).hexdigest()
    assert jobs_housekeeping()["pdfs_rendered"] == 0


def test_the_scan_finds_documents_with_an_empty_or_null_pdf_oldest_first(lost, finance, customer):
    # A draft may hold its empty file as "" or NULL (how it was saved); issued, both are lost.
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Reise", "quantity": 1, "unit_price_ore": 45000}],
    )
    Invoice.objects.filter(pk=draft.pk).update(pdf=None)
    null_pdf = services.invoice_issue(actor=finance, invoice=draft)  # issued after `lost`
    later = timezone.now() + timedelta(seconds=1)

    assert pdf.lost_pdfs_render(now=later, limit=1) == 1
    assert Invoice.objects.get(pk=lost.pk).pdf and not Invoice.objects.get(pk=null_pdf.pk).pdf
    assert pdf.lost_pdfs_render(now=later) == 1
    assert Invoice.objects.get(pk=null_pdf.pk).pdf


def test_a_render_still_within_the_timeout_is_left_alone(lost, settings):
    settings.PDF_RENDER_LOST_AFTER_SECONDS = 600
    assert jobs_housekeeping()["pdfs_rendered"] == 0
    lost.refresh_from_db()
    assert not lost.pdf
    later = timezone.now() + timedelta(seconds=601)
    assert pdf.lost_pdfs_render(now=later) == 1


def test_a_failing_render_is_logged_and_the_page_still_says_being_prepared(
    lost,
    client_for,
    finance,
    token_for,
    monkeypatch,
    caplog,  # noqa: F811
):
    def broken(printable):
        raise OSError("disk full")

    monkeypatch.setattr(pdf, "render_invoice_pdf", broken)
    with caplog.at_level(logging.ERROR):
        assert jobs_housekeeping()["pdfs_rendered"] == 0
    assert f"Rendering the lost PDF of invoice {lost.pk} failed" in caplog.text
    client = client_for(finance)
    page = client.get(f"/invoices/{lost.pk}/")
    assert page.status_code == 200 and 'data-pdf-status="being_prepared"' in page.content.decode()
    assert client.get(f"/invoices/{lost.pk}/pdf/").status_code == 202
    api = client.get(f"/api/v1/invoices/{lost.pk}", **token_for(finance))
    assert api.status_code == 200 and api.json()["pdf_status"] == "being_prepared"


def test_a_render_that_always_fails_does_not_keep_the_others_waiting(
    lost, finance, customer, monkeypatch
):
    other = services.invoice_issue(
        actor=finance,
        invoice=services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "Reise", "quantity": 1, "unit_price_ore": 45000}],
        ),
    )
    real_render = pdf.render_invoice_pdf

    def broken_for_the_first(printable):
        if printable.number == lost.number:
            raise OSError("cannot be rendered")
        return real_render(printable)

    monkeypatch.setattr(pdf, "render_invoice_pdf", broken_for_the_first)
    later = timezone.now() + timedelta(seconds=1)
    assert pdf.lost_pdfs_render(now=later, limit=1) == 0  # the oldest fails
    assert pdf.lost_pdfs_render(now=later, limit=1) == 1  # and is passed over for a while
    assert Invoice.objects.get(pk=other.pk).pdf and not Invoice.objects.get(pk=lost.pk).pdf
