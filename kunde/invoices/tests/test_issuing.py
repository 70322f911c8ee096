"""Issuing: the short locked transaction, the PDF rendered after commit from the frozen
document, KIDs that never repeat, and "issue and send" as one action."""

import hashlib
import threading
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection

from kunde.activity.models import ActivityEntry
from kunde.company.models import Company
from kunde.invoices import services
from kunde.invoices.models import Invoice, InvoiceSeries
from kunde.invoices.pdf import invoice_pdf_render, issued_printable
from kunde.lib.invoice_pdf import render_invoice_pdf
from kunde.projects.models import Project


def _media_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*.pdf")}


def _one_line(customer, finance):
    return services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000}],
    )


def test_issuing_takes_number_dates_kid_snapshots_and_renders_the_pdf_after_commit(
    draft, finance, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        issued = services.invoice_issue(actor=finance, invoice=draft, issue_date=date(2026, 11, 24))
    assert issued.number == 1
    assert (issued.issue_date, issued.due_date) == (date(2026, 11, 24), date(2026, 12, 8))
    assert issued.kid == "00000018"  # invoice number in 7 digits + MOD10
    assert issued.buyer["name"] == customer.name
    assert issued.seller["vat_number"] == "NO923609016MVA"
    assert issued.printable["number"] == 1 and issued.printable["kid"] == "00000018"
    assert InvoiceSeries.objects.get().next_number == 2
    assert ActivityEntry.objects.filter(action="invoice.issued").exists()
    # Not rendered under the lock: the PDF comes once the transaction has committed.
    issued.refresh_from_db()
    assert not issued.pdf and issued.pdf_sha256 == ""
    assert len(callbacks) == 1

    callbacks[0]()

    issued.refresh_from_db()
    content = issued.pdf.read()
    assert content.startswith(b"%PDF")
    assert issued.pdf_sha256 == hashlib.sha256(content).hexdigest()


def test_an_issue_is_a_few_statements_under_the_lock(
    draft, finance, customer, django_assert_num_queries
):
    services.invoice_issue(actor=finance, invoice=_one_line(customer, finance))  # series made
    # Savepoint and release (the test's transaction), the draft locked, its lines, the company,
    # the number taken, the draft issued, the activity entry: nothing repeated, no lookups.
    with django_assert_num_queries(8):
        issued = services.invoice_issue(actor=finance, invoice=draft)
    assert (issued.number, InvoiceSeries.objects.get().next_number) == (2, 3)


def test_the_frozen_document_is_the_issued_invoice_with_its_number_and_kid(draft, finance):
    from kunde.invoices.documents import printable_invoice
    from kunde.lib.invoice_document import to_data

    issued = services.invoice_issue(actor=finance, invoice=draft)
    stored = Invoice.objects.get(pk=issued.pk)
    assert stored.printable == to_data(printable_invoice(stored))
    assert (stored.printable["number"], stored.printable["kid"]) == (stored.number, stored.kid)


def test_the_pdf_has_the_same_bytes_whenever_it_is_rendered(draft, finance, customer):
    issued = services.invoice_issue(actor=finance, invoice=draft)
    first = render_invoice_pdf(issued_printable(issued))
    # Later changes to the customer and project do not reach the issued document.
    Project.objects.filter(pk=issued.project_id).update(name="Nytt navn")
    customer.name = "Nytt Navn AS"
    customer.save()
    issued = Invoice.objects.get(pk=issued.pk)
    second = render_invoice_pdf(issued_printable(issued))
    assert first == second
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()


def test_rendering_again_keeps_the_stored_pdf_and_leaves_no_second_file(draft, finance):
    issued = services.invoice_issue(actor=finance, invoice=draft)
    before = _media_files()
    stored = invoice_pdf_render(issued.pk)
    again = invoice_pdf_render(issued.pk)
    assert (again.pdf.name, again.pdf_sha256) == (stored.pdf.name, stored.pdf_sha256)
    assert _media_files() - before == {Path(stored.pdf.path)}


def test_a_render_that_loses_the_race_removes_its_file(draft, finance, monkeypatch):
    from kunde.invoices import pdf as pdf_module

    issued = services.invoice_issue(actor=finance, invoice=draft)
    before = _media_files()
    real_render = pdf_module.render_invoice_pdf

    def render_while_another_stores_it(doc):
        monkeypatch.setattr(pdf_module, "render_invoice_pdf", real_render)
        invoice_pdf_render(issued.pk)  # the other render (the worker, say) stores it first
        return real_render(doc)

    monkeypatch.setattr(pdf_module, "render_invoice_pdf", render_while_another_stores_it)
    result = invoice_pdf_render(issued.pk)

    [stored] = _media_files() - before
    assert result.pdf.name == Invoice.objects.get(pk=issued.pk).pdf.name
    assert Path(result.pdf.path) == stored


def test_a_draft_has_nothing_to_render(draft):
    assert invoice_pdf_render(draft.pk) is None
    assert invoice_pdf_render(10**9) is None


def test_the_preview_is_made_as_issuing_makes_the_pdf(draft, finance, company):
    preview = services.invoice_preview_pdf(invoice=Invoice.objects.get(pk=draft.pk))
    # Same document model: only the number and KID differ from what issuing stores.
    issued = services.invoice_issue(actor=finance, invoice=draft)
    doc = issued_printable(issued)
    from dataclasses import replace

    assert preview == render_invoice_pdf(replace(doc, number=0, kid=""))


# KIDs ---------------------------------------------------------------------------------------


def test_a_kid_rule_of_customer_digits_only_refuses_the_second_invoice_clearly(
    company, customer, finance
):
    # Stored before the company form refused such a rule.
    Company.objects.filter(pk=company.pk).update(kid_customer_digits=5, kid_invoice_digits=0)
    invoice_pdf_render(
        services.invoice_issue(actor=finance, invoice=_one_line(customer, finance)).pk
    )
    files = _media_files()
    second = _one_line(customer, finance)

    with pytest.raises(ValidationError) as error:
        services.invoice_issue(actor=finance, invoice=second)

    assert "does not give every invoice its own KID" in error.value.message_dict["kid"][0]
    second.refresh_from_db()
    assert (second.status, second.number) == ("draft", None)
    assert InvoiceSeries.objects.get().next_number == 2
    assert _media_files() == files  # no orphan PDF


# Issue and send -----------------------------------------------------------------------------


def test_issue_and_send_issues_then_delivers_with_the_pdf(draft, finance, mailoutbox):
    result = services.invoice_issue_and_send(actor=finance, invoice=draft)
    assert result.invoice.is_issued and result.not_sent == ""
    assert result.attempt.result == "sent"
    stored = Invoice.objects.get(pk=draft.pk)
    [mail] = mailoutbox
    [(_name, content, _type)] = mail.attachments
    assert hashlib.sha256(content).hexdigest() == stored.pdf_sha256 != ""


def test_issue_and_send_without_an_address_stays_issued(draft, finance, customer, mailoutbox):
    from kunde.customers.models import Customer

    Customer.objects.filter(pk=customer.pk).update(
        invoice_email="", email="", external_invoice_email=""
    )
    result = services.invoice_issue_and_send(actor=finance, invoice=draft)
    assert result.attempt is None and result.not_sent
    assert Invoice.objects.get(pk=draft.pk).is_issued
    assert mailoutbox == []


def test_a_refused_issue_sends_nothing(company, customer, finance, mailoutbox):
    empty = services.invoice_draft_create(actor=finance, customer=customer)
    with pytest.raises(ValidationError):
        services.invoice_issue_and_send(actor=finance, invoice=empty)
    assert mailoutbox == []


# Concurrency --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_get_gapless_numbers_own_kids_and_every_pdf(company, customer, finance):
    drafts = [_one_line(customer, finance) for _ in range(8)]
    errors = []

    def issue(invoice):
        try:
            services.invoice_issue(actor=finance, invoice=invoice)  # commits; renders after
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = list(Invoice.objects.values_list("number", "kid", "pdf", "pdf_sha256"))
    assert sorted(n for n, *_ in rows) == list(range(1, 9))
    assert len({kid for _, kid, *_ in rows}) == 8
    assert all(pdf and len(sha) == 64 for *_, pdf, sha in rows)
    assert len({pdf for *_, pdf, _ in rows}) == 8
