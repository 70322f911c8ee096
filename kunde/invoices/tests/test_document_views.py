"""The document pages: new invoice, the draft editor, the issued page, issue, delete, PDF and
credit."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.activity.models import ActivityEntry
from kunde.invoices import services
from kunde.invoices.models import Invoice, InvoiceLine, InvoiceSeries
from kunde.invoices.tests.helpers import issue_with_pdf
from kunde.lib.money import ore_to_kroner
from kunde.projects.models import TimeEntry

# Helpers --------------------------------------------------------------------------------------


def _snapshot():
    """Everything the document pages can change, to assert that a refusal changed nothing."""
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(InvoiceLine.objects.order_by("pk").values()),
        list(TimeEntry.objects.order_by("pk").values_list("pk", "invoice_line")),
        list(InvoiceSeries.objects.values()),
    )


def _stored_lines(invoice) -> list[dict]:
    """The draft's lines as the editor posts them back unchanged."""
    return [
        {
            "id": line.pk,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(ore_to_kroner(line.unit_price_ore)),
            "discount_percent": str(line.discount_percent),
            "vat": f"{line.vat_category}:{line.vat_rate}",
        }
        for line in invoice.lines.all()
    ]


def _editor_post(invoice, lines: list[dict], **header) -> dict:
    data = {
        "delivery_date": "",
        "credit_days": invoice.credit_days,
        "currency": invoice.currency,
        "language": invoice.language,
        "your_reference": invoice.your_reference,
        "order_reference": "",
        "contract_reference": "",
        "customer_contact": "",
        "line_above_name": "",
        "line_below_name": "",
        "invoice_text": "",
        "footer_text": "",
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": invoice.lines.count(),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        **header,
    }
    for index, line in enumerate(lines):
        for field, value in line.items():
            data[f"lines-{index}-{field}"] = value
    return data


def _issue(invoice, actor):
    return issue_with_pdf(actor=actor, invoice=invoice, issue_date=date(2026, 11, 24))


def _page(response) -> str:
    return response.content.decode()


# New invoice ----------------------------------------------------------------------------------


def test_the_new_invoice_page_offers_the_customers_projects(client_for, finance, customer, project):
    response = client_for(finance).get(f"/invoices/new/?customer={customer.pk}")
    assert response.status_code == 200
    page = _page(response)
    assert "Fjellheim Konsult AS" in page
    assert "1001 Nytt intranett" in page


def test_finance_creates_a_draft_from_the_projects_approved_hours(
    client_for, finance, company, customer, project, hours
):
    response = client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}", {"project": project.pk, "start": "hours"}
    )
    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert (invoice.status, invoice.customer, invoice.project) == ("draft", customer, project)
    assert sorted(invoice.lines.values_list("quantity", "unit_price_ore")) == [
        (Decimal("2.000"), 90000),
        (Decimal("4.500"), 120000),
    ]
    assert TimeEntry.objects.filter(invoice_line__invoice=invoice).count() == 3


def test_hours_can_be_taken_up_to_a_date(client_for, finance, company, customer, project, hours):
    client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}",
        {"project": project.pk, "start": "hours", "until": "2026-10-01"},
    )
    invoice = Invoice.objects.get()
    assert list(invoice.lines.values_list("quantity", flat=True)) == [Decimal("3.000")]


def test_a_draft_with_free_lines_starts_without_lines(client_for, finance, company, customer):
    response = client_for(finance).post(f"/invoices/new/?customer={customer.pk}", {"start": "free"})
    invoice = Invoice.objects.get()
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert not invoice.lines.exists() and invoice.project is None


def test_a_project_without_waiting_hours_is_refused_and_nothing_is_made(
    client_for, finance, company, customer, project
):
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}", {"project": project.pk, "start": "hours"}
    )
    assert response.status_code == 200
    assert "has no approved, billable hours or expenses waiting" in _page(response)
    assert _snapshot() == before


def test_the_new_invoice_page_shows_waiting_hours_per_project_and_employee(
    client_for, finance, company, customer, project, hours
):
    from kunde.projects.models import Expense

    Expense.objects.create(
        project=project,
        date=date(2026, 10, 3),
        description="Togbillett Bergen",
        cost_ore=50000,
        sales_ore=65000,
        approved=True,
    )
    Expense.objects.create(  # not approved: not shown
        project=project, date=date(2026, 10, 3), description="Hotell", cost_ore=1, sales_ore=1
    )
    response = client_for(finance).get(f"/invoices/new/?customer={customer.pk}")
    page = _page(response)
    summary = page[page.index('data-testid="hours-summary"') :]
    assert "Mats Kundeansvarlig" in summary and "Frida Finans" in summary
    assert "5\xa0400,00\xa0kr" in summary  # 4,5 h at 1 200 kr
    assert "1\xa0800,00\xa0kr" in summary  # 2 h at 900 kr
    assert "Togbillett Bergen" in summary and "Hotell" not in summary
    assert "7\xa0850,00\xa0kr" in summary  # the project: 5 400 + 1 800 + 650
    invoice = client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}", {"project": project.pk, "start": "hours"}
    )
    assert Invoice.objects.get().net_ore == 785000, invoice


def test_the_new_invoice_page_reads_in_a_fixed_number_of_queries(
    client_for, finance, company, customer, project, hours, manager
):
    from kunde.projects.models import Project

    client = client_for(finance)
    url = f"/invoices/new/?customer={customer.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as one_project:
        client.get(url)
    for number in (1002, 1003, 1004):
        other = Project.objects.create(
            number=number, name=f"P{number}", customer=customer, manager=manager
        )
        TimeEntry.objects.create(
            project=other, employee=manager, date=date(2026, 10, 5), minutes=60, approved=True
        )
    with CaptureQueriesContext(connection) as four_projects:
        response = client.get(url)
    assert "P1004" in _page(response)
    assert len(four_projects) == len(one_project)


@pytest.mark.parametrize("role", ["manager", "reader"])
def test_only_finance_sees_the_new_invoice_page(client_for, role, request, customer, project):
    user = request.getfixturevalue(role)
    response = client_for(user).get(f"/invoices/new/?customer={customer.pk}")
    assert response.status_code == 403


def test_invoicing_hours_needs_a_project(client_for, finance, company, customer, project, hours):
    response = client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}", {"start": "hours"}
    )
    assert response.status_code == 200
    assert "Choose the project whose hours to invoice." in _page(response)
    assert "Nothing was saved" in _page(response)
    assert not Invoice.objects.exists()


def test_a_project_of_another_customer_is_refused(client_for, finance, manager, company, customer):
    from kunde.customers.services import customer_create
    from kunde.projects.models import Project

    other = customer_create(actor=manager, data={"name": "Annen AS"})
    foreign = Project.objects.create(number=2002, name="Fremmed", customer=other)
    response = client_for(finance).post(
        f"/invoices/new/?customer={customer.pk}", {"project": foreign.pk, "start": "hours"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in _page(response)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("query", ["", "?customer=", "?customer=abc", "?customer=999999"])
def test_an_unknown_or_missing_customer_is_404(client_for, finance, customer, query):
    assert client_for(finance).get(f"/invoices/new/{query}").status_code == 404


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_only_finance_roles_create_invoices(request, client_for, customer, project, hours, persona):
    client = client_for(request.getfixturevalue(persona))
    url = f"/invoices/new/?customer={customer.pk}"
    assert client.get(url).status_code == 403
    assert client.post(url, {"project": project.pk, "start": "hours"}).status_code == 403
    assert not Invoice.objects.exists()


def test_an_administrator_may_create_invoices(client_for, admin, company, customer):
    response = client_for(admin).post(f"/invoices/new/?customer={customer.pk}", {"start": "free"})
    assert response.status_code == 302 and Invoice.objects.count() == 1


# The draft editor -----------------------------------------------------------------------------


def test_the_editor_shows_the_lines_and_the_totals_per_vat_rate(client_for, finance, draft):
    response = client_for(finance).get(f"/invoices/{draft.pk}/")
    assert response.status_code == 200
    page = _page(response)
    assert 'value="Rådgivning"' in page and 'value="Reise"' in page
    assert 'value="1250,00"' in page  # kroner, with the decimal comma
    assert "VAT 25 % (S) of 12\xa0500,00\xa0kr" in page
    assert "VAT 12 % (S) of 500,00\xa0kr" in page
    assert "16\xa0185,00\xa0kr" in page  # grand total
    assert "Save draft" in page and "Delete draft" in page
    assert 'name="lines-__prefix__-description"' in page  # the row "Add line" copies


def test_saving_the_draft_edits_adds_and_keeps_lines(client_for, finance, draft):
    lines = _stored_lines(draft)
    first_pk = lines[0]["id"]
    lines[0]["quantity"] = "8"
    lines.append(
        {
            "description": "Taxi",
            "quantity": "2",
            "unit": "tur",
            "unit_price": "1 234,56",
            "discount_percent": "",
            "vat": "S:12",
        }
    )
    response = client_for(finance).post(
        f"/invoices/{draft.pk}/", _editor_post(draft, lines, your_reference="Kari Nordmann")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.your_reference == "Kari Nordmann"
    stored = list(draft.lines.values_list("pk", "quantity", "unit_price_ore", "vat_rate"))
    assert stored[0] == (first_pk, Decimal("8.000"), 125000, 25)
    assert stored[2][1:] == (Decimal("2.000"), 123456, 12)
    # 8 × 1 250 = 10 000 at 25 %; 500 + 2 469,12 = 2 969,12 at 12 % (VAT 356,29).
    assert (draft.net_ore, draft.vat_ore) == (1296912, 250000 + 35629)
    assert ActivityEntry.objects.filter(action="invoice.draft_updated").exists()


def test_a_new_row_offers_the_customers_default_discount(client_for, finance, draft, customer):
    from kunde.invoices.models import InvoiceOptions

    InvoiceOptions.objects.create(level="customer", customer=customer, discount_percent=10)
    page = _page(client_for(finance).get(f"/invoices/{draft.pk}/"))
    assert 'name="lines-2-discount_percent" value="10"' in page
    assert 'name="lines-0-discount_percent" value="0"' in page


def test_an_unchanged_empty_row_is_ignored(client_for, finance, draft):
    lines = _stored_lines(draft)
    lines.append(
        {
            "description": "",
            "quantity": "1",
            "unit": "",
            "unit_price": "",
            "discount_percent": "0",
            "vat": "S:25",
        }
    )
    response = client_for(finance).post(f"/invoices/{draft.pk}/", _editor_post(draft, lines))
    assert response.status_code == 302
    assert draft.lines.count() == 2


def test_a_ticked_line_is_removed(client_for, finance, draft):
    lines = _stored_lines(draft)
    lines[1]["DELETE"] = "on"
    client_for(finance).post(f"/invoices/{draft.pk}/", _editor_post(draft, lines))
    draft.refresh_from_db()
    assert list(draft.lines.values_list("description", flat=True)) == ["Rådgivning"]
    assert draft.total_ore == 1562500


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("vat", "S:20", "Select a valid choice. S:20 is not one of the available choices."),
        ("quantity", "ti", "Enter a number."),
        ("quantity", "0", "The quantity must not be zero."),
        ("unit_price", "12,345", "Ensure that there are no more than 2 decimal places."),
        ("description", "", "A line needs a description."),
        ("discount_percent", "120", "Ensure this value is less than or equal to 100."),
    ],
)
def test_a_bad_line_is_refused_next_to_its_field_and_nothing_is_saved(
    client_for, finance, draft, field, value, message
):
    before = _snapshot()
    lines = _stored_lines(draft)
    lines[1][field] = value
    response = client_for(finance).post(
        f"/invoices/{draft.pk}/", _editor_post(draft, lines, your_reference="Endret")
    )
    assert response.status_code == 200
    page = _page(response)
    assert "Nothing was saved" in page
    assert 'data-dirty="true"' in page  # issuing now would not take what is on the screen
    assert response.context["formset"].forms[1].errors[field] == [message]
    assert not response.context["formset"].forms[0].errors
    assert _snapshot() == before


def test_a_bad_header_field_is_refused(client_for, finance, draft):
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{draft.pk}/",
        _editor_post(draft, _stored_lines(draft), currency="kr", credit_days="-3"),
    )
    assert response.status_code == 200
    assert set(response.context["header"].errors) == {"currency", "credit_days"}
    assert "three-letter currency code" in _page(response)
    assert _snapshot() == before


def test_a_service_error_on_a_line_shows_next_to_that_lines_field(
    client_for, finance, draft, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationError({"lines.1.vat_rate": "Not this VAT.", "lines": "Check the lines."})

    monkeypatch.setattr(services, "invoice_draft_update", refuse)
    response = client_for(finance).post(
        f"/invoices/{draft.pk}/", _editor_post(draft, _stored_lines(draft))
    )
    forms = response.context["formset"].forms
    assert forms[1].errors["vat"] == ["Not this VAT."]
    assert not forms[0].errors
    assert response.context["general_errors"] == ["Check the lines."]
    assert "Nothing was saved" in _page(response)


def test_a_line_of_another_document_cannot_be_taken_over(client_for, finance, draft, customer):
    other = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Annen", "quantity": 1, "unit_price_ore": 100}],
    )
    before = _snapshot()
    lines = _stored_lines(draft)
    lines[0]["id"] = other.lines.get().pk
    response = client_for(finance).post(f"/invoices/{draft.pk}/", _editor_post(draft, lines))
    assert response.context["formset"].forms[0].non_field_errors() == [
        "No such line on this draft."
    ]
    assert _snapshot() == before


def test_a_reader_sees_a_draft_read_only(client_for, reader, draft):
    response = client_for(reader).get(f"/invoices/{draft.pk}/")
    assert response.status_code == 200
    page = _page(response)
    assert "Rådgivning" in page and "Save draft" not in page and "Issue" not in page


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_only_finance_roles_edit_drafts(request, client_for, draft, persona):
    before = _snapshot()
    lines = _stored_lines(draft)
    lines[0]["quantity"] = "1"
    response = client_for(request.getfixturevalue(persona)).post(
        f"/invoices/{draft.pk}/", _editor_post(draft, lines)
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_an_issued_invoice_is_not_edited(client_for, finance, draft):
    invoice = _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/", _editor_post(invoice, _stored_lines(invoice))
    )
    assert response.status_code == 400
    assert "Invoice 1 is issued and cannot be changed." in _page(response)
    assert _snapshot() == before


def test_an_unknown_document_is_404(client_for, reader, db):
    assert client_for(reader).get("/invoices/999999/").status_code == 404


# Issuing --------------------------------------------------------------------------------------


def test_issuing_numbers_the_invoice_and_shows_it(client_for, finance, draft):
    client = client_for(finance)
    response = client.post(f"/invoices/{draft.pk}/issue/")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{draft.pk}/"
    draft.refresh_from_db()
    assert (draft.status, draft.number) == ("issued", 1)
    page = _page(client.get(response["Location"]))
    assert "Invoice 1 issued." in page
    assert draft.kid and draft.kid in page


def test_issuing_without_lines_is_refused_and_takes_no_number(
    client_for, finance, company, customer
):
    empty = services.invoice_draft_create(actor=finance, customer=customer)
    before = _snapshot()
    response = client_for(finance).post(f"/invoices/{empty.pk}/issue/", follow=True)
    assert response.redirect_chain == [(f"/invoices/{empty.pk}/", 302)]
    assert "Not issued: An invoice without lines cannot be issued." in _page(response)
    assert _snapshot() == before


def test_issuing_twice_changes_nothing(client_for, finance, draft):
    _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(f"/invoices/{draft.pk}/issue/", follow=True)
    assert "Invoice 1 is already issued." in _page(response)
    assert _snapshot() == before


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_only_finance_roles_issue(request, client_for, draft, persona):
    before = _snapshot()
    client = client_for(request.getfixturevalue(persona))
    assert client.post(f"/invoices/{draft.pk}/issue/").status_code == 403
    assert _snapshot() == before


def test_issuing_needs_a_post(client_for, finance, draft):
    assert client_for(finance).get(f"/invoices/{draft.pk}/issue/").status_code == 405
    draft.refresh_from_db()
    assert draft.status == "draft"


# Deleting -------------------------------------------------------------------------------------


def test_deleting_a_draft_gives_its_hours_back(
    client_for, finance, company, customer, project, hours
):
    draft = services.invoice_draft_create(
        actor=finance, customer=customer, project=project, from_project_hours=True
    )
    response = client_for(finance).post(f"/invoices/{draft.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert not Invoice.objects.exists()
    assert not TimeEntry.objects.filter(invoice_line__isnull=False).exists()


def test_an_issued_invoice_is_never_deleted(client_for, finance, draft):
    _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(f"/invoices/{draft.pk}/delete/")
    assert response.status_code == 400
    assert "Invoice 1 is issued and is never deleted. Credit it instead." in _page(response)
    assert _snapshot() == before


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_only_finance_roles_delete_drafts(request, client_for, draft, persona):
    before = _snapshot()
    assert (
        client_for(request.getfixturevalue(persona))
        .post(f"/invoices/{draft.pk}/delete/")
        .status_code
        == 403
    )
    assert _snapshot() == before


def test_deleting_a_credit_note_draft_goes_back_to_the_invoice(client_for, finance, draft):
    invoice = _issue(draft, finance)
    credit = services.credit_note_create(actor=finance, invoice=invoice)
    response = client_for(finance).post(f"/invoices/{credit.pk}/delete/")
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert list(Invoice.objects.values_list("pk", flat=True)) == [invoice.pk]


# PDF ------------------------------------------------------------------------------------------


def test_the_pdf_of_an_issued_invoice_is_the_stored_file(client_for, reader, finance, draft):
    invoice = _issue(draft, finance)
    client = client_for(reader)
    first = client.get(f"/invoices/{invoice.pk}/pdf/")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == 'inline; filename="faktura-1.pdf"'
    assert hashlib.sha256(first.content).hexdigest() == invoice.pdf_sha256
    assert client.get(f"/invoices/{invoice.pk}/pdf/").content == first.content


def test_a_credit_notes_pdf_is_named_as_one(client_for, finance, draft):
    invoice = _issue(draft, finance)
    credit = _issue(services.credit_note_create(actor=finance, invoice=invoice), finance)
    response = client_for(finance).get(f"/invoices/{credit.pk}/pdf/")
    assert response["Content-Disposition"] == 'inline; filename="kreditnota-2.pdf"'
    assert hashlib.sha256(response.content).hexdigest() == credit.pdf_sha256


def test_a_draft_pdf_is_a_preview_made_without_saving(client_for, reader, draft):
    before = _snapshot()
    response = client_for(reader).get(f"/invoices/{draft.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="utkast-{draft.pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert _snapshot() == before  # no number, no snapshot of the parties, no file


def test_an_empty_draft_and_a_credit_note_draft_have_previews(client_for, finance, draft, customer):
    empty = services.invoice_draft_create(actor=finance, customer=customer)
    credit = services.credit_note_create(actor=finance, invoice=_issue(draft, finance))
    client = client_for(finance)
    for document in (empty, credit):
        response = client.get(f"/invoices/{document.pk}/pdf/")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")


# The issued document --------------------------------------------------------------------------


def test_the_issued_invoice_page_shows_the_document(client_for, finance, draft, customer):
    invoice = _issue(draft, finance)
    page = _page(client_for(finance).get(f"/invoices/{invoice.pk}/"))
    assert "<h1>Invoice 1</h1>" in page
    assert invoice.kid in page
    assert f'href="/customers/{customer.pk}/"' in page
    assert f'href="/invoices/{invoice.pk}/pdf/"' in page
    assert "VAT 12 % (S) of 500,00\xa0kr" in page
    assert "Nothing has been credited." in page
    assert f'href="/invoices/{invoice.pk}/credit/"' in page
    assert "Save draft" not in page


def test_the_invoice_lists_its_credit_notes_and_what_is_left(client_for, finance, reader, draft):
    invoice = _issue(draft, finance)
    line = invoice.lines.first()
    credit = _issue(
        services.credit_note_create(
            actor=finance, invoice=invoice, lines=[{"line": line.pk, "quantity": 1}]
        ),
        finance,
    )
    page = _page(client_for(reader).get(f"/invoices/{invoice.pk}/"))
    assert f'<a href="/invoices/{credit.pk}/">Credit note 2</a>' in page
    # 16 185,00 less 1 250,00 + 25 % VAT.
    assert "14\xa0622,50\xa0kr" in page
    assert f'href="/invoices/{invoice.pk}/credit/"' not in page  # a reader may not credit
    credit_page = _page(client_for(reader).get(f"/invoices/{credit.pk}/"))
    assert f'<a href="/invoices/{invoice.pk}/">Invoice 1</a>' in credit_page
    assert "−1\xa0562,50\xa0kr" in credit_page or "-1\xa0562,50\xa0kr" in credit_page


def test_a_fully_credited_invoice_offers_no_credit(client_for, finance, draft):
    invoice = _issue(draft, finance)
    _issue(services.credit_note_create(actor=finance, invoice=invoice), finance)
    page = _page(client_for(finance).get(f"/invoices/{invoice.pk}/"))
    assert f'href="/invoices/{invoice.pk}/credit/"' not in page
    assert "0,00\xa0kr" in page


def _issued_with_credit_note(finance, customer, line_count):
    lines = [
        {
            "description": f"Linje {i}",
            "quantity": 1,
            "unit_price_ore": 10000,
            "vat_rate": [25, 15, 12][i % 3],
            "vat_category": "S",
        }
        for i in range(line_count)
    ]
    draft = services.invoice_draft_create(actor=finance, customer=customer, lines=lines)
    invoice = _issue(draft, finance)
    _issue(services.credit_note_create(actor=finance, invoice=invoice), finance)
    return invoice


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_issued_page_needs_the_same_queries_for_2_and_30_lines(
    client_for, finance, company, customer
):
    client = client_for(finance)
    small = _issued_with_credit_note(finance, customer, 2)
    large = _issued_with_credit_note(finance, customer, 30)
    # Session, user, the invoice with its customer and project, lines, credit notes, credited,
    # the delivery log, and the payments section (kunde.payments: paid, credited, payments).
    assert _queries(client, f"/invoices/{small.pk}/") == 9
    assert _queries(client, f"/invoices/{large.pk}/") == 9


# Crediting ------------------------------------------------------------------------------------


def test_the_credit_page_prefills_what_is_left(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first = invoice.lines.first()
    _issue(
        services.credit_note_create(
            actor=finance, invoice=invoice, lines=[{"line": first.pk, "quantity": 4}]
        ),
        finance,
    )
    response = client_for(finance).get(f"/invoices/{invoice.pk}/credit/")
    assert response.status_code == 200
    assert f'name="line_{first.pk}" value="6"' in _page(response)


def test_crediting_one_hour_makes_a_credit_note_draft(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first, second = invoice.lines.all()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {
            f"line_{first.pk}": "1",
            f"line_{second.pk}": "0",
            "free_vat": "S:25",
            "reopen_hours": "on",
        },
    )
    credit = Invoice.objects.get(kind="credit_note")
    assert response.status_code == 302 and response["Location"] == f"/invoices/{credit.pk}/"
    assert (credit.status, credit.credited_invoice, credit.reopen_hours) == ("draft", invoice, True)
    assert list(credit.lines.values_list("credited_line", "quantity")) == [
        (first.pk, Decimal("-1.000"))
    ]
    assert credit.total_ore == -156250


def test_a_free_amount_can_be_credited(client_for, finance, draft):
    invoice = _issue(draft, finance)
    lines = {f"line_{line.pk}": "0" for line in invoice.lines.all()}
    client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {**lines, "free_description": "Kompensasjon", "free_amount": "200,50", "free_vat": "S:25"},
    )
    credit = Invoice.objects.get(kind="credit_note")
    line = credit.lines.get()
    assert (line.description, line.quantity, line.unit_price_ore) == (
        "Kompensasjon",
        Decimal("-1.000"),
        20050,
    )


def test_the_credit_note_editor_shows_and_keeps_negative_quantities(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first = invoice.lines.first()
    credit = services.credit_note_create(
        actor=finance, invoice=invoice, lines=[{"line": first.pk, "quantity": 2}]
    )
    client = client_for(finance)
    page = _page(client.get(f"/invoices/{credit.pk}/"))
    assert "Credit note draft" in page
    assert 'name="lines-0-quantity" value="-2"' in page
    lines = _stored_lines(credit)
    lines[0]["quantity"] = "-1,5"
    assert client.post(f"/invoices/{credit.pk}/", _editor_post(credit, lines)).status_code == 302
    line = credit.lines.get()
    assert (line.quantity, line.credited_line_id) == (Decimal("-1.500"), first.pk)
    before = _snapshot()
    lines[0]["quantity"] = "1"
    response = client.post(f"/invoices/{credit.pk}/", _editor_post(credit, lines))
    assert response.context["formset"].forms[0].errors["quantity"] == [
        "On a credit note the quantity is negative: it reduces what the customer owes."
    ]
    assert _snapshot() == before


def test_crediting_more_than_what_is_left_is_refused(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first, second = invoice.lines.all()
    _issue(
        services.credit_note_create(
            actor=finance, invoice=invoice, lines=[{"line": first.pk, "quantity": 6}]
        ),
        finance,
    )
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{first.pk}": "5", f"line_{second.pk}": "0", "free_vat": "S:25"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"line_{first.pk}"] == [
        "You can credit between 0 and 4 of “Rådgivning”."
    ]
    assert "Nothing was saved" in _page(response)
    assert _snapshot() == before


def test_a_free_amount_above_what_is_left_is_refused(client_for, finance, draft):
    invoice = _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{line.pk}": "0" for line in invoice.lines.all()}
        | {"free_description": "Kompensasjon", "free_amount": "20000", "free_vat": "S:25"},
    )
    assert response.status_code == 200
    [message] = response.context["general_errors"]
    assert "is left to credit on Invoice 1" in message
    assert "Nothing was saved" in _page(response)
    assert _snapshot() == before


def test_crediting_nothing_is_refused(client_for, finance, draft):
    invoice = _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{line.pk}": "0" for line in invoice.lines.all()} | {"free_vat": "S:25"},
    )
    assert "Choose at least one line or amount to credit." in _page(response)
    assert _snapshot() == before


def test_a_bad_credit_quantity_is_refused(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first, second = invoice.lines.all()
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{first.pk}": "en", f"line_{second.pk}": "0", "free_amount": "10"},
    )
    errors = response.context["form"].errors
    assert errors[f"line_{first.pk}"] == ["Enter a number."]
    assert errors["free_description"] == ["Say what the amount credits."]
    assert _snapshot() == before


def test_crediting_against_the_invoiced_sign_is_refused(client_for, finance, draft):
    invoice = _issue(draft, finance)
    first, second = invoice.lines.all()
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/", {f"line_{first.pk}": "0", f"line_{second.pk}": "-1"}
    )
    assert response.context["form"].errors[f"line_{second.pk}"] == [
        "You can credit between 0 and 1 of “Reise”."
    ]
    assert _snapshot() == before


def test_a_free_amount_the_service_refuses_shows_at_the_amount(client_for, finance, draft):
    invoice = _issue(draft, finance)
    before = _snapshot()
    response = client_for(finance).post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{line.pk}": "0" for line in invoice.lines.all()}
        | {"free_description": "Feil", "free_amount": "2000000000", "free_vat": "S:25"},
    )
    assert response.context["form"].errors["free_amount"] == [
        "The unit price must be below 1 000 000 000 kr."
    ]
    assert _snapshot() == before


def test_a_discount_line_is_credited_with_a_positive_quantity(
    client_for, finance, company, customer
):
    invoice = _issue(
        services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[
                {"description": "Rådgivning", "quantity": 10, "unit_price_ore": 100000},
                {"description": "Rabatt", "quantity": -1, "unit_price_ore": 50000},
            ],
        ),
        finance,
    )
    work, discount = invoice.lines.all()
    client = client_for(finance)
    page = _page(client.get(f"/invoices/{invoice.pk}/credit/"))
    assert f'name="line_{discount.pk}" value="-1"' in page
    client.post(
        f"/invoices/{invoice.pk}/credit/",
        {f"line_{work.pk}": "2", f"line_{discount.pk}": "-1"},
    )
    credit = Invoice.objects.get(kind="credit_note")
    assert list(credit.lines.values_list("quantity", flat=True)) == [
        Decimal("-2.000"),
        Decimal("1.000"),
    ]
    # In the editor the discount line keeps its positive quantity, and may not turn negative.
    page = _page(client.get(f"/invoices/{credit.pk}/"))
    assert 'name="lines-1-quantity" value="1"' in page
    lines = _stored_lines(credit)
    assert client.post(f"/invoices/{credit.pk}/", _editor_post(credit, lines)).status_code == 302
    before = _snapshot()
    lines[1]["quantity"] = "-1"
    response = client.post(f"/invoices/{credit.pk}/", _editor_post(credit, lines))
    assert response.context["formset"].forms[1].errors["quantity"] == [
        "This line credits a discount line: its quantity is positive."
    ]
    assert _snapshot() == before


def test_a_draft_cannot_be_credited(client_for, finance, draft):
    before = _snapshot()
    response = client_for(finance).get(f"/invoices/{draft.pk}/credit/")
    assert response.status_code == 400
    assert "Only an issued invoice can be credited." in _page(response)
    assert _snapshot() == before


@pytest.mark.parametrize("persona", ["reader", "manager"])
def test_only_finance_roles_credit(request, client_for, finance, draft, persona):
    invoice = _issue(draft, finance)
    first, second = invoice.lines.all()
    before = _snapshot()
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/invoices/{invoice.pk}/credit/").status_code == 403
    response = client.post(
        f"/invoices/{invoice.pk}/credit/", {f"line_{first.pk}": "1", f"line_{second.pk}": "0"}
    )
    assert response.status_code == 403
    assert _snapshot() == before


def test_issue_and_send_delivers_by_the_customers_channel(client_for, finance, draft, mailoutbox):
    response = client_for(finance).post(f"/invoices/{draft.pk}/issue/", {"send": "1"}, follow=True)
    draft.refresh_from_db()
    assert draft.is_issued
    assert [m.to for m in mailoutbox] == [["post@fjellheim.no"]]
    page = response.content.decode()
    assert "post@fjellheim.no" in page  # the delivery log on the issued invoice


def test_issue_only_sends_nothing(client_for, finance, draft, mailoutbox):
    client_for(finance).post(f"/invoices/{draft.pk}/issue/")
    draft.refresh_from_db()
    assert draft.is_issued
    assert mailoutbox == []


# The PDF after issue ------------------------------------------------------------------------


def test_a_pdf_not_yet_stored_is_being_prepared_on_the_page(client_for, finance, draft):
    issued = services.invoice_issue(actor=finance, invoice=draft)  # not committed: no PDF yet
    client = client_for(finance)
    page = _page(client.get(f"/invoices/{issued.pk}/"))
    assert "PDF being prepared" in page
    response = client.get(f"/invoices/{issued.pk}/pdf/")
    assert response.status_code == 202 and response["Refresh"] == "2"
    assert "PDF being prepared" in response.content.decode()


def test_issue_and_send_on_the_page_is_one_service_call(client_for, finance, draft, monkeypatch):
    calls = []
    real = services.invoice_issue_and_send

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "invoice_issue_and_send", spy)
    response = client_for(finance).post(f"/invoices/{draft.pk}/issue/", {"send": "1"})
    assert response.status_code == 302
    assert [c["invoice"].pk for c in calls] == [draft.pk]
    assert draft.deliveries.get().result == "sent"
