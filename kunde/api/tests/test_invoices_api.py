"""/api/v1/invoices: list, read, create drafts, issue, credit, and the stored PDF."""

import hashlib
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.customers.services import customer_create
from kunde.invoices import services
from kunde.invoices.models import Invoice, InvoiceLine, InvoiceSeries
from kunde.invoices.tests.helpers import issue_with_pdf
from kunde.projects.models import Project, TimeEntry

JSON = "application/json"
LIST = "/api/v1/invoices"

LINES = [
    {"description": "Rådgivning", "quantity": "10", "unit": "timer", "unit_price_ore": 125000},
    {
        "description": "Reise",
        "quantity": 1,
        "unit_price_ore": 50000,
        "vat_rate": 12,
        "vat_category": "S",
    },
]


def _url(invoice, action=""):
    return f"/api/v1/invoices/{invoice.pk}" + (f"/{action}" if action else "")


def _post(client, url, **headers):
    """A POST without a body, as `curl -X POST URL` sends it."""
    return client.generic("POST", url, **headers)


def _database():
    """Everything a refused request must leave as it was."""
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(InvoiceLine.objects.order_by("pk").values()),
        list(InvoiceSeries.objects.order_by("pk").values()),
        list(TimeEntry.objects.order_by("pk").values("pk", "invoice_line")),
        list(ActivityEntry.objects.order_by("pk").values()),
    )


@pytest.fixture
def other_customer(manager):
    return customer_create(actor=manager, data={"name": "Havbris Regnskap AS"}, tags=[])


def _draft(customer, finance, lines=LINES):
    return services.invoice_draft_create(actor=finance, customer=customer, lines=lines)


@pytest.fixture
def invoice(draft, finance):
    """Invoice 1 of 24 November 2026: 12 500 kr at 25 % and 500 kr at 12 %, 16 185 kr in all."""
    return issue_with_pdf(actor=finance, invoice=draft, issue_date=date(2026, 11, 24))


# List ---------------------------------------------------------------------------------------


def test_the_list_answers_drafts_first_then_the_newest_issued(
    client, token_for, reader, finance, customer, invoice
):
    credit_note = services.invoice_issue(
        actor=finance,
        invoice=services.credit_note_create(actor=finance, invoice=invoice),
        issue_date=date(2026, 11, 25),
    )
    draft = _draft(customer, finance)
    response = client.get(LIST, **token_for(reader))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["page"], body["pages"]) == (3, 1, 1)
    assert [row["id"] for row in body["results"]] == [draft.pk, credit_note.pk, invoice.pk]
    draft_row, credit_row, invoice_row = body["results"]
    assert (draft_row["status"], draft_row["number"], draft_row["pdf_url"]) == (
        "draft",
        None,
        None,
    )
    assert credit_row["kind"] == "credit_note"
    assert credit_row["credited_invoice"] == invoice.pk
    assert credit_row["total_ore"] == -1618500
    assert invoice_row == {
        **invoice_row,
        "kind": "invoice",
        "status": "issued",
        "number": 1,
        "customer": customer.pk,
        "project": None,
        "credited_invoice": None,
        "credit_notes": [credit_note.pk],
        "issue_date": "2026-11-24",
        "due_date": "2026-12-08",
        "kid": "00000018",
        "net_ore": 1300000,
        "vat_ore": 318500,
        "total_ore": 1618500,
        "export_status": "to_transfer",
        "pdf_url": f"/api/v1/invoices/{invoice.pk}/pdf",
    }
    assert "lines" not in invoice_row  # the list is a summary; the document has the lines


@pytest.fixture
def mixed(company, customer, other_customer, finance, invoice):
    """Invoice 1 of `customer` (issued) with a draft credit note, and a draft of the other."""
    return {
        "invoice": invoice,
        "credit_note": services.credit_note_create(actor=finance, invoice=invoice),
        "other": _draft(other_customer, finance),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"type": "invoice"}, ["other", "invoice"]),
        ({"type": "credit_note"}, ["credit_note"]),
        ({"status": "draft"}, ["other", "credit_note"]),
        ({"status": "issued"}, ["invoice"]),
        ({"status": "draft", "type": "invoice"}, ["other"]),
    ],
)
def test_the_list_filters_by_type_and_status(client, token_for, reader, mixed, query, expected):
    body = client.get(LIST, query, **token_for(reader)).json()
    assert [row["id"] for row in body["results"]] == [mixed[name].pk for name in expected]
    assert body["count"] == len(expected)


def test_the_list_filters_by_customer(client, token_for, reader, other_customer, mixed):
    body = client.get(LIST, {"customer": other_customer.pk}, **token_for(reader)).json()
    assert [row["id"] for row in body["results"]] == [mixed["other"].pk]


def test_the_list_pages(client, token_for, reader, company, customer, finance):
    drafts = [_draft(customer, finance) for _ in range(5)]
    headers = token_for(reader)
    body = client.get(LIST, {"page_size": 2, "page": 2}, **headers).json()
    assert (body["count"], body["page"], body["pages"]) == (5, 2, 3)
    assert [row["id"] for row in body["results"]] == [drafts[2].pk, drafts[1].pk]
    body = client.get(LIST, {"page_size": 2, "page": 9}, **headers).json()
    assert body["page"] == 3
    assert [row["id"] for row in body["results"]] == [drafts[0].pk]
    assert client.get(LIST, {"page_size": 200}, **headers).status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ({"type": "bill"}, "type"),
        ({"status": "sent"}, "status"),
        ({"customer": "Fjellheim"}, "customer"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"page": 0}, "page"),
    ],
)
def test_the_list_refuses_bad_parameters_naming_them(client, token_for, reader, query, field):
    response = client.get(LIST, query, **token_for(reader))
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_the_list_needs_credentials(client, wrong_token, draft):
    for headers in ({}, wrong_token):
        response = client.get(LIST, **headers)
        assert response.status_code == 401
        assert response.json() == {"detail": "Sign in or send an API token."}


def _documents_with_credit_notes(customer, finance, count):
    """`count` issued invoices, each with a draft credit note, and `count` drafts."""
    for _ in range(count):
        issued = services.invoice_issue(actor=finance, invoice=_draft(customer, finance))
        services.credit_note_create(actor=finance, invoice=issued)
        _draft(customer, finance)


def _count_list_queries(client, headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"page_size": 200}, **headers)
    assert response.status_code == 200
    return len(queries)


def test_the_list_needs_four_queries_however_many_documents(
    client, token_for, reader, company, customer, finance
):
    headers = token_for(reader)
    _documents_with_credit_notes(customer, finance, 1)  # 3 documents
    # The token with its user, the count, the page, the page's credit notes.
    assert _count_list_queries(client, headers) == 4
    _documents_with_credit_notes(customer, finance, 9)  # 30 documents
    assert _count_list_queries(client, headers) == 4
    assert client.get(LIST, **headers).json()["count"] == 30


# Read ---------------------------------------------------------------------------------------


def test_an_issued_invoice_is_read_with_lines_parties_and_totals(
    client, token_for, reader, customer, invoice
):
    response = client.get(_url(invoice), **token_for(reader))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["status"], body["number"]) == (
        invoice.pk,
        "invoice",
        "issued",
        1,
    )
    assert (body["issue_date"], body["due_date"], body["credit_days"]) == (
        "2026-11-24",
        "2026-12-08",
        14,
    )
    assert body["kid"] == "00000018"
    assert (body["net_ore"], body["vat_ore"], body["total_ore"]) == (1300000, 318500, 1618500)
    assert body["credit_remaining_ore"] == 1618500
    assert (body["credited_invoice"], body["credit_notes"]) == (None, [])
    assert body["buyer"]["name"] == "Fjellheim Konsult AS"
    assert body["seller"]["vat_number"] == "NO923609016MVA"
    assert body["pdf_url"] == f"/api/v1/invoices/{invoice.pk}/pdf"
    assert body["pdf_sha256"] == invoice.pdf_sha256
    assert body["export_status"] == "to_transfer"
    first, second = invoice.lines.all()
    assert body["lines"] == [
        {
            "id": first.pk,
            "position": 0,
            "description": "Rådgivning",
            "quantity": "10.000",
            "unit": "timer",
            "unit_price_ore": 125000,
            "discount_percent": "0.00",
            "vat_rate": 25,
            "vat_category": "S",
            "net_ore": 1250000,
            "credited_line": None,
        },
        {
            "id": second.pk,
            "position": 1,
            "description": "Reise",
            "quantity": "1.000",
            "unit": "",
            "unit_price_ore": 50000,
            "discount_percent": "0.00",
            "vat_rate": 12,
            "vat_category": "S",
            "net_ore": 50000,
            "credited_line": None,
        },
    ]


def test_a_draft_is_read_without_number_or_pdf(client, token_for, reader, draft):
    body = client.get(_url(draft), **token_for(reader)).json()
    assert (body["status"], body["number"], body["issue_date"], body["kid"]) == (
        "draft",
        None,
        None,
        None,
    )
    assert (body["pdf_url"], body["pdf_sha256"], body["credit_remaining_ore"]) == (None, "", None)
    assert (body["buyer"], body["seller"]) == ({}, {})
    assert body["total_ore"] == 1618500


def test_a_document_is_read_in_five_queries(
    client, token_for, reader, finance, invoice, django_assert_num_queries
):
    for _ in range(3):
        services.credit_note_create(
            actor=finance,
            invoice=invoice,
            lines=[{"line": invoice.lines.first().pk, "quantity": 1}],
        )
    headers = token_for(reader)
    # The token with its user, the invoice, its credit notes, its lines, what is left to credit.
    with django_assert_num_queries(5):
        response = client.get(_url(invoice), **headers)
    assert len(response.json()["credit_notes"]) == 3


def test_reading_an_unknown_invoice_is_404(client, token_for, reader, db):
    assert client.get("/api/v1/invoices/999999", **token_for(reader)).status_code == 404


def test_reading_needs_credentials(client, wrong_token, invoice):
    for headers in ({}, wrong_token):
        assert client.get(_url(invoice), **headers).status_code == 401


# Create -------------------------------------------------------------------------------------


def test_finance_creates_a_draft_with_exact_totals(client, token_for, finance, company, customer):
    payload = {
        "customer": customer.pk,
        "lines": [
            *LINES,
            {"description": "Timer", "quantity": 1.125, "unit_price_ore": 100000},
        ],
    }
    response = client.post(LIST, payload, content_type=JSON, **token_for(finance))
    assert response.status_code == 201
    invoice = Invoice.objects.get()
    body = response.json()
    assert body["id"] == invoice.pk
    assert (body["kind"], body["status"], body["number"], body["customer"]) == (
        "invoice",
        "draft",
        None,
        customer.pk,
    )
    assert [(line["description"], line["quantity"], line["net_ore"]) for line in body["lines"]] == [
        ("Rådgivning", "10.000", 1250000),
        ("Reise", "1.000", 50000),
        ("Timer", "1.125", 112500),
    ]
    # VAT per rate on the sums: 25 % of 13 625,00 and 12 % of 500,00.
    assert (body["net_ore"], body["vat_ore"], body["total_ore"]) == (1412500, 346625, 1759125)
    assert invoice.total_ore == 1759125
    assert invoice.created_by == finance
    entry = ActivityEntry.objects.get(action="invoice.draft_created")
    assert (entry.customer, entry.actor) == (customer, finance)


def test_a_draft_is_made_from_the_project_hours(
    client, token_for, admin, customer, company, project, hours
):
    payload = {"customer": customer.pk, "project": project.pk, "from_project_hours": True}
    response = client.post(LIST, payload, content_type=JSON, **token_for(admin))
    assert response.status_code == 201
    body = response.json()
    assert body["project"] == project.pk
    assert [(line["description"], line["quantity"], line["net_ore"]) for line in body["lines"]] == [
        ("Consulting hours, Mats Kundeansvarlig", "4.500", 540000),
        ("Consulting hours, Frida Finans", "2.000", 180000),
    ]
    assert TimeEntry.objects.filter(invoice_line__invoice_id=body["id"]).count() == 3


def test_a_draft_from_hours_with_nothing_waiting_answers_422_and_makes_nothing(
    client, token_for, admin, customer, company, project, hours
):
    payload = {"customer": customer.pk, "project": project.pk, "from_project_hours": True}
    assert client.post(LIST, payload, content_type=JSON, **token_for(admin)).status_code == 201
    before = _database()
    response = client.post(LIST, payload, content_type=JSON, **token_for(admin))
    assert response.status_code == 422
    assert "no approved, billable hours" in response.json()["errors"]["project"][0]
    assert _database() == before


@pytest.mark.parametrize("persona", ["manager", "reader"])
def test_only_finance_creates_invoices(client, token_for, request, persona, company, customer):
    before = _database()
    response = client.post(
        LIST,
        {"customer": customer.pk, "lines": LINES},
        content_type=JSON,
        **token_for(request.getfixturevalue(persona)),
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role may read invoices but not create, issue or credit them."
    }
    assert _database() == before


def test_creating_needs_credentials(client, wrong_token, company, customer):
    before = _database()
    for headers in ({}, wrong_token):
        response = client.post(
            LIST, {"customer": customer.pk, "lines": LINES}, content_type=JSON, **headers
        )
        assert response.status_code == 401
    assert _database() == before


def _line(**changes):
    return {"description": "Rådgivning", "quantity": 1, "unit_price_ore": 100000, **changes}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"lines": [_line(vat_rate=20)]}, "lines.0.vat_rate"),
        ({"lines": [_line(), _line(vat_rate=0, vat_category="S")]}, "lines.1.vat_rate"),
        ({"lines": [_line(vat_category="X", vat_rate=0)]}, "lines.0.vat_rate"),
        ({"lines": [_line(quantity="1.2345")]}, "lines.0.quantity"),
        ({"lines": [_line(quantity="mange")]}, "lines.0.quantity"),
        ({"lines": [_line(quantity=0)]}, "lines.0.quantity"),
        ({"lines": [_line(quantity="10000000")]}, "lines.0.quantity"),
        ({"lines": [_line(unit_price_ore=10**11 + 1)]}, "lines.0.unit_price_ore"),
        ({"lines": [_line(unit_price_ore="tusen")]}, "lines.0.unit_price_ore"),
        ({"lines": [_line(description=" ")]}, "lines.0.description"),
        ({"lines": [_line(discount_percent=120)]}, "lines.0.discount_percent"),
        ({"lines": [{"description": "Uten pris"}]}, "lines.0.unit_price_ore"),
        ({"customer": 999999}, "customer"),
        ({"customer": None}, "customer"),
        ({"project": 999999}, "project"),
        ({"project": "other"}, "project"),  # a project of another customer
        ({"from_project_hours": True}, "project"),
        ({"until": "1. oktober"}, "until"),
    ],
)
def test_creating_refuses_bad_input_naming_the_field(
    client, token_for, finance, company, customer, other_customer, manager, payload, field
):
    if payload.get("project") == "other":
        payload["project"] = Project.objects.create(
            number=2001, name="Regnskap", customer=other_customer, manager=manager
        ).pk
    payload = {"customer": customer.pk, "lines": [_line()], **payload}
    before = _database()
    response = client.post(LIST, payload, content_type=JSON, **token_for(finance))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors
    assert all(isinstance(message, str) for message in errors[field])
    assert _database() == before


def test_the_largest_line_the_api_takes_fits_the_database(
    client, token_for, finance, company, customer
):
    payload = {
        "customer": customer.pk,
        "lines": [_line(quantity="9999999.999", unit_price_ore=10**11)],
    }
    response = client.post(LIST, payload, content_type=JSON, **token_for(finance))
    assert response.status_code == 201
    assert response.json()["net_ore"] == 999_999_999_900_000_000
    assert Invoice.objects.get().total_ore == 1_249_999_999_875_000_000


def test_an_unknown_customer_is_named(client, token_for, finance, db):
    payload = {"customer": 999999, "lines": [_line()]}
    response = client.post(LIST, payload, content_type=JSON, **token_for(finance))
    assert response.status_code == 422
    assert response.json() == {"errors": {"customer": ["No customer has id 999999."]}}


def test_a_bad_vat_rate_is_explained(client, token_for, finance, company, customer):
    payload = {"customer": customer.pk, "lines": [_line(vat_rate=20)]}
    response = client.post(LIST, payload, content_type=JSON, **token_for(finance))
    assert response.json() == {
        "errors": {
            "lines.0.vat_rate": [
                "VAT 20 % with category S does not exist in Norway (25, 15 or 12 % standard; "
                "0 % zero-rated, exempt, reverse charge or outside scope)."
            ]
        }
    }


# Issue --------------------------------------------------------------------------------------


def test_finance_issues_a_draft(
    client, token_for, finance, customer, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url(draft, "issue"),
            {"issue_date": "2026-11-24"},
            content_type=JSON,
            **token_for(finance),
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["number"], body["kid"]) == ("issued", 1, "00000018")
    assert (body["issue_date"], body["due_date"]) == ("2026-11-24", "2026-12-08")
    assert body["buyer"]["name"] == "Fjellheim Konsult AS"
    assert body["pdf_url"] == f"/api/v1/invoices/{draft.pk}/pdf"
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.issued_by) == ("issued", 1, finance)
    # The PDF is rendered once the issue has committed (here: as the block above ends).
    assert (body["pdf_status"], body["pdf_sha256"]) == ("being_prepared", "")
    assert len(draft.pdf_sha256) == 64
    body = client.get(_url(draft), **token_for(finance)).json()
    assert (body["pdf_status"], body["pdf_sha256"]) == ("stored", draft.pdf_sha256)
    assert InvoiceSeries.objects.get().next_number == 2
    entry = ActivityEntry.objects.get(action="invoice.issued")
    assert (entry.customer, entry.actor) == (customer, finance)


def test_an_issue_without_body_is_dated_today(client, token_for, admin, draft):
    response = _post(client, _url(draft, "issue"), **token_for(admin))
    assert response.status_code == 200
    assert response.json()["issue_date"] == timezone.localdate().isoformat()


@pytest.mark.parametrize("persona", ["manager", "reader"])
def test_only_finance_issues(client, token_for, request, persona, draft):
    before = _database()
    headers = token_for(request.getfixturevalue(persona))
    response = _post(client, _url(draft, "issue"), **headers)
    assert response.status_code == 403
    assert _database() == before


def test_issuing_needs_credentials(client, wrong_token, draft):
    before = _database()
    for headers in ({}, wrong_token):
        assert _post(client, _url(draft, "issue"), **headers).status_code == 401
    assert _database() == before


def test_issuing_an_issued_invoice_is_409(client, token_for, finance, invoice):
    before = _database()
    response = _post(client, _url(invoice, "issue"), **token_for(finance))
    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice 1 is already issued."}
    assert _database() == before


def _refused_issue(client, headers, invoice, field, body=None):
    before = _database()
    response = client.post(_url(invoice, "issue"), body or {}, content_type=JSON, **headers)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before
    return response.json()["errors"][field]


def test_an_invoice_without_lines_is_not_issued(client, token_for, finance, company, customer):
    empty = _draft(customer, finance, lines=[])
    messages = _refused_issue(client, token_for(finance), empty, "lines")
    assert messages == ["An invoice without lines cannot be issued."]


def test_an_invoice_with_a_negative_total_is_not_issued(
    client, token_for, finance, company, customer
):
    negative = _draft(customer, finance, lines=[_line(quantity=-1)])
    _refused_issue(client, token_for(finance), negative, "lines")


def test_a_kid_setting_that_cannot_fit_refuses_the_issue(
    client, token_for, finance, company, draft
):
    company.kid_invoice_digits = 1
    company.save()
    InvoiceSeries.objects.create(pk=1, next_number=10)
    _refused_issue(client, token_for(finance), draft, "kid")


def test_a_malformed_issue_date_is_refused(client, token_for, finance, draft):
    _refused_issue(client, token_for(finance), draft, "issue_date", {"issue_date": "24.11.2026"})


def test_issuing_an_unknown_invoice_is_404(client, token_for, finance, db):
    assert _post(client, "/api/v1/invoices/999999/issue", **token_for(finance)).status_code == 404


# Credit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}, {"lines": None}])
def test_an_empty_credit_request_credits_the_whole_invoice(
    client, token_for, finance, invoice, body
):
    if body is None:
        response = _post(client, _url(invoice, "credit"), **token_for(finance))
    else:
        response = client.post(
            _url(invoice, "credit"), body, content_type=JSON, **token_for(finance)
        )
    assert response.status_code == 201
    credit_note = Invoice.objects.get(kind="credit_note")
    body = response.json()
    assert (body["id"], body["kind"], body["status"], body["number"]) == (
        credit_note.pk,
        "credit_note",
        "draft",
        None,
    )
    assert body["credited_invoice"] == invoice.pk
    assert body["total_ore"] == -1618500
    originals = list(invoice.lines.values_list("pk", flat=True))
    assert [(line["credited_line"], line["quantity"]) for line in body["lines"]] == [
        (originals[0], "-10.000"),
        (originals[1], "-1.000"),
    ]
    # A draft credits nothing yet.
    assert services.credit_remaining_ore(invoice) == 1618500
    entry = ActivityEntry.objects.get(action="credit_note.draft_created")
    assert entry.actor == finance


def test_a_credit_note_is_issued_through_issue(client, token_for, finance, invoice):
    headers = token_for(finance)
    credit_id = _post(client, _url(invoice, "credit"), **headers).json()["id"]
    response = _post(client, f"/api/v1/invoices/{credit_id}/issue", **headers)
    assert response.status_code == 200
    assert (response.json()["number"], response.json()["status"]) == (2, "issued")
    body = client.get(_url(invoice), **headers).json()
    assert (body["credit_notes"], body["credit_remaining_ore"]) == ([credit_id], 0)


def test_chosen_lines_and_quantities_are_credited(client, token_for, finance, invoice):
    line = invoice.lines.first()
    payload = {"lines": [{"line": line.pk, "quantity": "1.5"}], "reopen_hours": True}
    response = client.post(
        _url(invoice, "credit"), payload, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 201
    body = response.json()
    assert [(row["credited_line"], row["quantity"], row["net_ore"]) for row in body["lines"]] == [
        (line.pk, "-1.500", -187500)
    ]
    assert (body["net_ore"], body["vat_ore"], body["total_ore"]) == (-187500, -46875, -234375)
    assert body["reopen_hours"] is True


def test_an_amount_of_its_own_is_credited(client, token_for, finance, invoice):
    payload = {
        "free_lines": [{"description": "Kompensasjon for forsinkelse", "unit_price_ore": 80000}]
    }
    response = client.post(
        _url(invoice, "credit"), payload, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 201
    body = response.json()
    assert [
        (row["description"], row["quantity"], row["credited_line"]) for row in body["lines"]
    ] == [("Kompensasjon for forsinkelse", "-1.000", None)]
    assert body["total_ore"] == -100000


@pytest.fixture
def six_hours_credited(invoice, finance):
    """Six of the ten hours on the first line are credited by an issued credit note."""
    services.invoice_issue(
        actor=finance,
        invoice=services.credit_note_create(
            actor=finance,
            invoice=invoice,
            lines=[{"line": invoice.lines.first().pk, "quantity": 6}],
        ),
    )
    return invoice


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"lines": [{"line": "first", "quantity": "4.5"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "first", "quantity": 0}]}, "lines.0.quantity"),
        ({"lines": [{"line": "first", "quantity": "-1"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "first", "quantity": "1.0001"}]}, "lines.0.quantity"),
        ({"lines": [{"line": "first"}]}, "lines.0.quantity"),
        ({"lines": [{"line": 999999, "quantity": 1}]}, "lines.0.line"),
        ({"lines": []}, "lines"),
        ({"free_lines": [{"description": "For mye", "unit_price_ore": 2_000_000}]}, "lines"),
        ({"reopen_hours": "kanskje"}, "reopen_hours"),
    ],
)
def test_crediting_too_much_or_bad_input_is_refused_naming_the_field(
    client, token_for, finance, six_hours_credited, payload, field
):
    invoice = six_hours_credited
    for line in payload.get("lines") or []:
        if line["line"] == "first":
            line["line"] = invoice.lines.first().pk
    before = _database()
    response = client.post(
        _url(invoice, "credit"), payload, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert _database() == before


def test_crediting_more_hours_than_are_left_says_how_many_are(
    client, token_for, finance, six_hours_credited
):
    invoice = six_hours_credited
    payload = {"lines": [{"line": invoice.lines.first().pk, "quantity": 5}]}
    response = client.post(
        _url(invoice, "credit"), payload, content_type=JSON, **token_for(finance)
    )
    assert response.json() == {
        "errors": {"lines.0.quantity": ["You can credit between 0 and 4 of “Rådgivning”."]}
    }


def test_a_draft_cannot_be_credited(client, token_for, finance, draft):
    before = _database()
    response = _post(client, _url(draft, "credit"), **token_for(finance))
    assert response.status_code == 409
    assert response.json() == {"detail": "Only an issued invoice can be credited."}
    assert _database() == before


def test_a_credit_note_cannot_be_credited(client, token_for, finance, invoice):
    credit_note = services.invoice_issue(
        actor=finance, invoice=services.credit_note_create(actor=finance, invoice=invoice)
    )
    before = _database()
    response = _post(client, _url(credit_note, "credit"), **token_for(finance))
    assert response.status_code == 409
    assert _database() == before


@pytest.mark.parametrize("persona", ["manager", "reader"])
def test_only_finance_credits(client, token_for, request, persona, invoice):
    before = _database()
    response = _post(client, _url(invoice, "credit"), **token_for(request.getfixturevalue(persona)))
    assert response.status_code == 403
    assert _database() == before


def test_crediting_needs_credentials(client, wrong_token, invoice):
    before = _database()
    for headers in ({}, wrong_token):
        assert _post(client, _url(invoice, "credit"), **headers).status_code == 401
    assert _database() == before


# PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reader", "finance"])
def test_the_pdf_is_the_stored_file(client, token_for, request, persona, invoice):
    response = client.get(_url(invoice, "pdf"), **token_for(request.getfixturevalue(persona)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="invoice-1.pdf"'
    assert response["ETag"] == f'"{invoice.pdf_sha256}"'
    assert response.content.startswith(b"%PDF")
    assert hashlib.sha256(response.content).hexdigest() == invoice.pdf_sha256
    with invoice.pdf.open("rb") as stored:
        assert response.content == stored.read()


def test_a_draft_has_no_pdf(client, token_for, reader, draft):
    response = client.get(_url(draft, "pdf"), **token_for(reader))
    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice (draft) is not issued and has no PDF yet."}


def test_the_pdf_of_an_unknown_invoice_is_404(client, token_for, reader, db):
    assert client.get("/api/v1/invoices/999999/pdf", **token_for(reader)).status_code == 404


def test_the_pdf_needs_credentials(client, wrong_token, invoice):
    for headers in ({}, wrong_token):
        response = client.get(_url(invoice, "pdf"), **headers)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")


# OpenAPI ------------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_invoice_paths(client, token_for, reader):
    response = client.get("/api/v1/openapi.json", **token_for(reader))
    document = json.loads(response.content)
    paths = document["paths"]
    assert set(paths["/api/v1/invoices"]) == {"get", "post"}
    assert set(paths["/api/v1/invoices/{invoice_id}"]) == {"get"}
    assert set(paths["/api/v1/invoices/{invoice_id}/issue"]) == {"post"}
    assert set(paths["/api/v1/invoices/{invoice_id}/credit"]) == {"post"}
    assert "/issue" in paths["/api/v1/invoices/{invoice_id}/credit"]["post"]["description"]
    pdf = paths["/api/v1/invoices/{invoice_id}/pdf"]["get"]["responses"]["200"]
    assert "application/pdf" in pdf["content"]
    properties = document["components"]["schemas"]["InvoiceDetail"]["properties"]
    assert {"lines", "kid", "total_ore", "credit_notes", "pdf_url", "export_status"} <= set(
        properties
    )


def test_a_pdf_being_prepared_answers_409_with_retry_after(client, token_for, finance, draft):
    issued = services.invoice_issue(actor=finance, invoice=draft)  # not committed: no PDF yet
    response = client.get(_url(issued, "pdf"), **token_for(finance))
    assert response.status_code == 409
    assert response["Retry-After"] == "2"
    assert "being prepared" in response.json()["detail"]
    assert client.get(_url(issued), **token_for(finance)).json()["pdf_status"] == "being_prepared"


def test_issue_and_send_is_the_same_service_as_the_page(
    client, token_for, finance, draft, mailoutbox, monkeypatch
):
    calls = []
    real = services.invoice_issue_and_send

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "invoice_issue_and_send", spy)
    response = client.post(
        _url(draft, "issue"), {"send": True}, content_type=JSON, **token_for(finance)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "issued" and body["not_sent"] == ""
    assert (body["delivery"]["channel"], body["delivery"]["result"]) == ("email", "sent")
    assert len(calls) == 1 and len(mailoutbox) == 1
