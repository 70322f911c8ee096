"""The database itself refuses to change issued documents (kunde.invoices.protection), on
SQLite and PostgreSQL alike, whatever way the statement is sent."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction

from kunde.accounts.models import User
from kunde.customers.services import customer_create
from kunde.invoices import services
from kunde.invoices.models import Invoice, InvoiceLine, InvoiceStatus


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def issued(draft, finance):
    return services.invoice_issue(actor=finance, invoice=draft)


def plain(model):
    """A queryset without the model's guards, as a bug or a careless script would use."""
    return models.QuerySet(model=model)


def refused(action):
    with pytest.raises(IntegrityError, match="never changed or deleted"):
        with transaction.atomic():
            action()


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    "changes",
    [{"total_ore": 0}, {"your_reference": "Endret"}, {"status": "draft"}, {"kid": None},
     {"export_status": "transferred", "net_ore": 1}],
)  # fmt: skip
def test_an_issued_invoice_cannot_be_updated_past_the_model(issued, changes):
    refused(lambda: plain(Invoice).filter(pk=issued.pk).update(**changes))
    issued_before = Invoice.objects.get(pk=issued.pk)
    assert (issued_before.total_ore, issued_before.status) == (issued.total_ore, "issued")


def test_an_issued_invoice_cannot_be_deleted_past_the_model(issued):
    refused(lambda: plain(Invoice).filter(pk=issued.pk)._raw_delete(connection.alias))
    refused(lambda: sql("DELETE FROM invoices_invoice WHERE id = %s", [issued.pk]))
    refused(lambda: sql("UPDATE invoices_invoice SET total_ore = 1 WHERE id = %s", [issued.pk]))
    assert Invoice.objects.filter(pk=issued.pk, status=InvoiceStatus.ISSUED).exists()


def test_the_lines_of_an_issued_invoice_cannot_be_changed_added_or_deleted(issued, draft):
    line = issued.lines.first()
    lines = plain(InvoiceLine).filter(invoice=issued)
    before = list(lines.values_list("pk", "unit_price_ore", "description"))
    refused(lambda: lines.update(unit_price_ore=1))
    refused(lambda: lines._raw_delete(connection.alias))
    refused(lambda: sql("DELETE FROM invoices_invoiceline WHERE id = %s", [line.pk]))
    extra = InvoiceLine(invoice=issued, description="Ekstra", quantity=1, unit_price_ore=100)
    refused(lambda: plain(InvoiceLine).bulk_create([extra]))
    assert list(lines.values_list("pk", "unit_price_ore", "description")) == before


def test_a_draft_line_cannot_be_moved_onto_an_issued_invoice(issued, company, customer, finance):
    other = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100}],
    )
    refused(lambda: plain(InvoiceLine).filter(invoice=other).update(invoice=issued))


def test_operational_fields_still_change_on_an_issued_invoice(issued):
    plain(Invoice).filter(pk=issued.pk).update(export_status="do_not_transfer", exported_at=None)
    sql("UPDATE invoices_invoice SET export_status = 'transferred' WHERE id = %s", [issued.pk])
    assert Invoice.objects.get(pk=issued.pk).export_status == "transferred"


def test_drafts_are_edited_and_deleted_freely(draft, finance):
    plain(Invoice).filter(pk=draft.pk).update(your_reference="Ny")
    plain(InvoiceLine).filter(invoice=draft).update(description="Endret")
    services.invoice_draft_delete(actor=finance, invoice=draft)
    assert not Invoice.objects.filter(pk=draft.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_database_and_keeps_the_protection(draft, finance):
    services.invoice_issue(actor=finance, invoice=draft)

    call_command("flush", interactive=False, verbosity=0)

    assert not Invoice.objects.exists()
    user = User.objects.create_user(username="ny", role="finance")
    buyer = customer_create(actor=user, data={"name": "Ny AS"})
    again = Invoice.objects.create(
        customer=buyer, created_by=user, status="issued", number=1, issue_date="2026-01-01"
    )
    refused(lambda: plain(Invoice).filter(pk=again.pk).update(total_ore=5))


def test_the_pdf_is_attached_once_after_issue_and_never_replaced(issued):
    """The PDF is rendered after the issuing transaction, so the row gets it once; after that
    the database refuses another file or hash."""
    from kunde.invoices.pdf import invoice_pdf_render

    invoice_pdf_render(issued.pk)
    stored = Invoice.objects.get(pk=issued.pk)
    assert stored.pdf and len(stored.pdf_sha256) == 64
    refused(lambda: plain(Invoice).filter(pk=issued.pk).update(pdf="invoices/other.pdf"))
    refused(lambda: plain(Invoice).filter(pk=issued.pk).update(pdf_sha256="0" * 64))
    refused(lambda: plain(Invoice).filter(pk=issued.pk).update(pdf=""))
    assert Invoice.objects.get(pk=issued.pk).pdf_sha256 == stored.pdf_sha256
