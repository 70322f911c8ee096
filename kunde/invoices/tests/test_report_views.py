"""The customer's Invoices tab and Finance > Invoices: pages, column choice and downloads."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from kunde.customers.services import customer_create
from kunde.invoices import services
from kunde.invoices.models import ReportColumns
from kunde.invoices.tests.test_report import make_invoices
from kunde.lib import table_export

ROLES = ["admin", "finance", "manager", "reader"]


def tab(customer, query=""):
    return f"/customers/{customer.pk}/invoices/" + (f"?{query}" if query else "")


def read_xlsx(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")


@pytest.fixture
def documents(company, customer, finance, draft):
    """An issued invoice (10 000 kr + VAT = 12 500 kr), a credit note for it, and a draft."""
    other = services.invoice_draft_create(
        actor=finance, customer=customer,
        lines=[{"description": "Rådgivning", "quantity": 8, "unit_price_ore": 125000}],
    )  # fmt: skip
    invoice = services.invoice_issue(actor=finance, invoice=other, issue_date=date(2026, 3, 2))
    note = services.credit_note_create(actor=finance, invoice=invoice)
    note = services.invoice_issue(actor=finance, invoice=note, issue_date=date(2026, 3, 9))
    return {"invoice": invoice, "credit_note": note, "draft": draft}


# Pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_tab_and_the_finance_report(request, client_for, customer, documents,
                                                        role):  # fmt: skip
    client = client_for(request.getfixturevalue(role))
    page = client.get(tab(customer)).content.decode().replace("\xa0", " ")
    assert customer.name in page  # the profile header
    assert f'href="/invoices/{documents["invoice"].pk}/"' in page
    assert f'href="/invoices/{documents["draft"].pk}/"' in page
    assert ">Draft<" in page
    assert "1–3 of 3 documents" in page
    assert "12 500,00 kr" in page and "-12 500,00 kr" in page
    assert "Total, all 3 documents" in page and "16 185,00 kr" in page  # with the draft
    report = client.get("/invoices/").content.decode()
    assert customer.name in report and "1–3 of 3 documents" in report


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_roles_see_the_new_invoice_button(request, client_for, customer, role):
    user = request.getfixturevalue(role)
    page = client_for(user).get(tab(customer)).content.decode()
    assert (f"/invoices/new/?customer={customer.pk}" in page) is user.can_manage_finance


def test_signed_out_users_are_sent_to_the_sign_in_page(client, customer):
    for url in [tab(customer), "/invoices/", tab(customer, "format=xlsx")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_customer_is_404(client_for, reader, db):
    assert client_for(reader).get("/customers/999999/invoices/").status_code == 404
    assert client_for(reader).post("/customers/999999/invoices/", {}).status_code == 404


def test_the_filters_narrow_the_list_and_the_totals(client_for, reader, customer, documents):
    page = client_for(reader).get(tab(customer, "type=credit_note")).content.decode()
    assert "1–1 of 1 document" in page
    assert f'href="/invoices/{documents["credit_note"].pk}/"' in page
    assert f'href="/invoices/{documents["invoice"].pk}/"' not in page
    assert "Total, 1 document" in page


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-45",
        "to=yesterday&from=31.02.2026",
        "order=nonsense&state=paid&type=bill&page=-4&project=abc",
        "page=99999999999999999999",
        "format=csv",
        "columns=drop_tables",
        "search=%00%27",
        "from=%00&state=%00&order=%00",
        "project=99999999999999999999&search=99999999999999999999",
    ],
)
def test_bad_filter_values_never_break_the_page(client_for, reader, customer, documents, query):
    client = client_for(reader)
    response = client.get(tab(customer, query))
    assert response.status_code == 200
    assert client.get(f"/invoices/?{query}").status_code == 200


def test_an_unreadable_date_is_reported_on_the_page(client_for, reader, customer, documents):
    page = client_for(reader).get(tab(customer, "from=2026-13-45")).content.decode()
    assert "“2026-13-45” is not a date" in page
    assert "1–3 of 3 documents" in page  # the bad filter is ignored


def test_the_customer_list_context_is_carried_along(client_for, manager, customer, documents):
    customer_create(actor=manager, data={"name": "Fjellheim Bygg AS"})
    page = client_for(manager).get(tab(customer, "q=fjellheim&state=issued")).content.decode()
    assert '<input type="hidden" name="q" value="fjellheim">' in page
    assert "?q=fjellheim&amp;state=issued&amp;format=xlsx" in page
    assert "?q=fjellheim&amp;state=issued&amp;order=number" in page  # a column header
    # Previous / Next of the list that was searched: Fjellheim Bygg comes before Konsult.
    assert 'rel="prev"' in page and 'rel="next"' not in page


def test_the_finance_report_searches_customers(client_for, finance, customer, documents):
    other = customer_create(actor=finance, data={"name": "Havbris Sjømat AS"})
    make_invoices(other, finance, 2)
    page = client_for(finance).get("/invoices/", {"search": "havbris"}).content.decode()
    assert "1–2 of 2 documents" in page
    assert "Havbris Sjømat AS" in page


# Column choice --------------------------------------------------------------------------------


def test_the_chosen_columns_are_kept_for_that_user(
    client_for, finance, reader, customer, documents
):
    client = client_for(finance)
    url = tab(customer, "state=issued")
    response = client.post(url, {"columns": ["number", "kid", "export_status", "bogus"]})
    assert response.status_code == 302 and response["Location"] == url
    saved = ReportColumns.objects.get(user=finance)
    assert (saved.report, saved.columns) == (
        "customer_invoices",
        ["number", "export_status", "kid"],
    )
    page = client.get(url).content.decode()
    assert ">KID<" in page and "Export status" in page
    assert ">Due date<" not in page
    # Another user, and the report across customers, keep the default columns.
    assert ">KID<" not in client.get("/invoices/").content.decode()
    other = client_for(reader).get(url).content.decode()
    assert ">KID<" not in other and ">Due date<" in other


def test_no_columns_is_refused_and_default_restores_the_set(client_for, finance, customer):
    client = client_for(finance)
    client.post(tab(customer), {"columns": ["kid"]})
    response = client.post(tab(customer), {}, follow=True)
    assert "Choose at least one column." in response.content.decode()
    assert ReportColumns.objects.get(user=finance).columns == ["kid"]
    client.post(tab(customer), {"reset": "1"})
    assert not ReportColumns.objects.exists()


def test_the_finance_report_keeps_its_own_choice(client_for, finance, customer, documents):
    client = client_for(finance)
    client.post("/invoices/", {"columns": ["customer_number", "customer", "total"]})
    page = client.get("/invoices/").content.decode()
    assert ">Customer no.<" in page and ">Due date<" not in page
    assert ">Due date<" in client.get(tab(customer)).content.decode()


# Downloads ------------------------------------------------------------------------------------


def test_the_xlsx_holds_exactly_the_filtered_rows_and_chosen_columns(
    client_for, finance, customer, documents
):
    make_invoices(customer, finance, 60, start=date(2026, 4, 1), total_ore=10, net_ore=8,
                  vat_ore=2)  # fmt: skip
    make_invoices(customer, finance, 5, start=date(2025, 1, 1), total_ore=20)
    client = client_for(finance)
    client.post(tab(customer), {"columns": ["number", "date", "total", "kid", "status"]})
    response = client.get(tab(customer, "type=invoice&from=2026-03-01&order=-total&format=xlsx"))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="fakturaer-{customer.number}-{today}.xlsx"'
    )
    sheet = read_xlsx(response.content)
    assert sheet[0][0] == f"Invoices: {customer.number} {customer.name}"
    assert "Invoice" in sheet[1][0] and "01.03.2026" in sheet[1][0]
    assert sheet[3] == ["No.", "Date", "Total", "Status", "KID"]  # in the report's order
    rows, total_row = sheet[4:-1], sheet[-1]
    invoice = documents["invoice"]
    assert len(rows) == 61  # all 60 small ones and the big one; not the page, not 2025
    assert rows[0] == [invoice.number, date(2026, 3, 2), 12500.0, "Issued", invoice.kid]
    assert rows[1][2] == 0.1 and rows[1][0] > rows[2][0]  # ties on the total: by id, descending
    assert total_row == ["Total", "", 12506.0, "", ""]  # 12 500 + 60 × 0,10: exact


def test_the_finance_report_downloads_with_its_own_name(client_for, reader, customer, documents):
    response = client_for(reader).get("/invoices/?format=xlsx&state=draft")
    assert response["Content-Disposition"].startswith('attachment; filename="fakturaer-2')
    sheet = read_xlsx(response.content)
    assert sheet[3] == ["No.", "Type", "Date", "Due date", "Customer", "Total", "Status"]
    assert sheet[4][:2] == ["", "Invoice"] and sheet[4][4] == customer.name


def test_the_pdf_holds_the_same_view(client_for, finance, customer, documents):
    response = client_for(finance).get(tab(customer, "format=pdf&type=credit_note"))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    text = pdf_text(response.content)
    assert f"Invoices: {customer.number} {customer.name}" in text
    assert str(documents["credit_note"].number) in text
    assert "Credit note" in text and "-12 500,00" in text.replace("−", "-")
    assert "\nInvoice\n" not in text  # only the credit note


def test_a_pdf_of_too_many_rows_is_refused_with_a_pointer_to_xlsx(
    client_for, reader, customer, monkeypatch
):
    monkeypatch.setattr(table_export, "PDF_MAX_ROWS", 5)
    make_invoices(customer, reader, 6)
    client = client_for(reader)
    response = client.get(tab(customer, "state=issued&format=pdf"))
    assert response.status_code == 302
    assert response["Location"] == tab(customer, "state=issued")
    page = client.get(response["Location"]).content.decode()
    assert "more than 5 rows, too many for a PDF. Download it as XLSX" in page
    assert client.get(tab(customer, "state=issued&format=pdf&to=2026-01-05")).status_code == 200


# Queries --------------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_tab_costs_the_same_queries_for_3_and_60_invoices(client_for, finance, customer):
    client = client_for(finance)
    make_invoices(customer, finance, 3)
    small = _queries(client, tab(customer, "q=fjell"))
    make_invoices(customer, finance, 60)
    assert _queries(client, tab(customer, "q=fjell")) == small
    # session, user, customer, tags, previous, next, columns, projects, totals, rows, and the
    # invoices' payment states (kunde.payments: 2)
    assert small == 11
    client.post(tab(customer), {"columns": ["number", "channel", "sent_at", "paid"]})
    assert _queries(client, tab(customer)) == small + 1  # and the page's deliveries


def test_the_finance_report_costs_the_same_queries_whatever_the_size(client_for, finance, customer):
    client = client_for(finance)
    make_invoices(customer, finance, 3)
    small = _queries(client, "/invoices/")
    for i in range(5):
        other = customer_create(actor=finance, data={"name": f"Kunde {i} AS"})
        make_invoices(other, finance, 12)
    # session, user, columns, totals, rows, payment states (1)
    assert _queries(client, "/invoices/") == small == 6
