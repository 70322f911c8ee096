"""The customer's ledger tab, its statement (PDF, XLSX) and finance's actions on the credit."""

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from kunde.activity.models import ActivityEntry
from kunde.payments import services
from kunde.payments.models import MatchRule, Payment, PaymentMethod
from kunde.payments.selectors import customer_credit_ore

ROLES = ["admin", "finance", "manager", "reader"]
TODAY = timezone.localdate()


def tab(customer, query=""):
    return f"/customers/{customer.pk}/ledger/" + (f"?{query}" if query else "")


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def give_credit(customer, amount_ore, finance):
    """The customer's credit, as an overpayment leaves it."""
    return Payment.objects.create(
        customer=customer,
        amount_ore=amount_ore,
        date=TODAY - timedelta(days=1),
        method=PaymentMethod.OCR,
        match_rule=MatchRule.OVERPAYMENT,
        created_by=finance,
    )


def row_html(page: str, kind: str, pk: int) -> str:
    """The table row of one document or payment on the ledger page."""
    return page.split(f'data-ledger-row="{kind}-{pk}"')[1].split("</tr>")[0]


def snapshot():
    return (
        list(Payment.objects.order_by("pk").values()),
        ActivityEntry.objects.filter(action__startswith="payment.").count(),
    )


@pytest.fixture
def ledger(make_invoice, finance):
    """Invoice A (1 000 kr, overdue 45 days) paid 400 kr; invoice B (500 kr, not due) unpaid."""
    a = make_invoice(100_000, issue_date=TODAY - timedelta(days=59), due_date=TODAY - timedelta(45))
    b = make_invoice(50_000, issue_date=TODAY - timedelta(days=2))
    services.payment_register(
        actor=finance, invoice=a, amount_ore=40_000, date=TODAY - timedelta(days=30)
    )
    return {"a": a, "b": b}


# The tab --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_ledger_with_the_running_balance(
    request, client_for, customer, ledger, role
):
    page = text(client_for(request.getfixturevalue(role)).get(tab(customer)))
    a, b = ledger["a"], ledger["b"]
    assert customer.name in page  # the profile header
    assert 'aria-current="page">Ledger</a>' in page
    assert f"Invoice {a.number}" in page and f"Invoice {b.number}" in page
    assert "Payment: Bank transfer" in page
    assert "1–3 of 3 entries" in page
    # Newest first: B (balance 1 100), the payment (600), A (1 000).
    balances = [cell.split("<")[0] for cell in page.split('class="num balance">')[1:]]
    assert balances == ["1 100,00 kr", "600,00 kr", "1 000,00 kr"]
    assert 'data-testid="ledger-balance">1 100,00 kr' in page


def test_the_invoices_show_their_payment_status(client_for, reader, customer, ledger):
    page = text(client_for(reader).get(tab(customer)))
    assert 'class="badge pay-overdue" title="45 days overdue"' in page
    assert 'class="badge pay-unpaid"' in page


def test_the_ageing_and_totals_are_shown(client_for, reader, customer, ledger):
    page = text(client_for(reader).get(tab(customer)))
    ageing = page.split('id="ledger-ageing"')[1].split("</table>")[0]
    assert '<th scope="row">Not due</th><td class="num">500,00 kr' in ageing
    assert '<th scope="row">31–60 days</th><td class="num">600,00 kr' in ageing
    assert '<th scope="row">1–30 days</th><td class="num">0,00 kr' in ageing
    totals = page.split('id="ledger-totals"')[1].split("</dl>")[0]
    assert 'Invoiced</dt><dd class="num">1 500,00 kr' in totals
    assert 'Paid</dt><dd class="num">400,00 kr' in totals


def test_as_of_an_earlier_date_leaves_out_what_came_later(client_for, reader, customer, ledger):
    as_of = (TODAY - timedelta(days=40)).isoformat()
    page = text(client_for(reader).get(tab(customer, f"as_of={as_of}")))
    assert "1–1 of 1 entry" in page
    assert "Payment: Bank transfer" not in page
    assert 'data-testid="ledger-balance">1 000,00 kr' in page
    # A's state on that day: nothing paid yet, 5 days overdue (not today's 45, partly paid).
    assert 'class="badge pay-overdue" title="5 days overdue"' in page
    assert '<th scope="col">Status</th>' in page and "Status today" not in page


@pytest.fixture
def settled_later(make_invoice, finance):
    """Invoice C (300 kr, due 10 days ago) paid in full 3 days ago; invoice D (200 kr, not due)
    credited in full yesterday."""
    c = make_invoice(30_000, issue_date=TODAY - timedelta(days=20), due_date=TODAY - timedelta(10))
    services.payment_register(
        actor=finance, invoice=c, amount_ore=30_000, date=TODAY - timedelta(days=3)
    )
    d = make_invoice(20_000, issue_date=TODAY - timedelta(days=20), due_date=TODAY + timedelta(1))
    make_invoice(-20_000, credited_invoice=d, issue_date=TODAY - timedelta(days=1))
    return {"c": c, "d": d}


def test_as_of_an_earlier_date_shows_the_status_on_that_date(client_for, reader, customer,
                                                              settled_later):  # fmt: skip
    c, d = settled_later["c"], settled_later["d"]
    client = client_for(reader)
    earlier = text(client.get(tab(customer, f"as_of={(TODAY - timedelta(4)).isoformat()}")))
    assert 'data-payment-status="overdue">Overdue' in row_html(earlier, "invoice", c.pk)
    assert 'title="6 days overdue"' in row_html(earlier, "invoice", c.pk)
    assert 'data-payment-status="unpaid">Outstanding' in row_html(earlier, "invoice", d.pk)
    on_payment_day = text(client.get(tab(customer, f"as_of={(TODAY - timedelta(3)).isoformat()}")))
    assert 'data-payment-status="paid">Paid' in row_html(on_payment_day, "invoice", c.pk)
    assert 'data-payment-status="unpaid"' in row_html(on_payment_day, "invoice", d.pk)
    today = text(client.get(tab(customer)))
    assert 'data-payment-status="paid">Paid' in row_html(today, "invoice", c.pk)
    assert 'data-payment-status="credited">Credited' in row_html(today, "invoice", d.pk)
    assert '<th scope="col">Status</th>' in today


def test_as_of_an_earlier_date_needs_no_more_queries_than_today(client_for, reader, customer,
                                                                 settled_later):  # fmt: skip
    client = client_for(reader)
    earlier = _queries(client, tab(customer, f"as_of={(TODAY - timedelta(4)).isoformat()}"))
    assert earlier == _queries(client, tab(customer)) == 12


def test_open_items_only_leaves_out_paid_invoices(client_for, reader, customer, make_invoice,
                                                   finance):  # fmt: skip
    paid = make_invoice(30_000)
    services.payment_register(actor=finance, invoice=paid, amount_ore=30_000, date=TODAY)
    still_open = make_invoice(20_000)
    page = text(client_for(reader).get(tab(customer, "open=1")))
    assert f"Invoice {still_open.number}" in page
    assert f"Invoice {paid.number}" not in page
    everything = text(client_for(reader).get(tab(customer)))
    assert f"Invoice {paid.number}" in everything
    assert 'class="badge pay-paid"' in everything


def test_the_ledger_pages_and_orders(client_for, reader, customer, make_invoice, monkeypatch):
    from kunde.payments.views import ledger as ledger_views

    monkeypatch.setattr(ledger_views, "PER_PAGE", 2)
    made = [make_invoice(10_000 * (i + 1), issue_date=TODAY - timedelta(days=10 - i))
            for i in range(3)]  # fmt: skip
    client = client_for(reader)
    first = text(client.get(tab(customer)))
    assert "1–2 of 3 entries" in first and "Page 1 of 2" in first
    assert f"Invoice {made[2].number}" in first and f"Invoice {made[0].number}" not in first
    second = text(client.get(tab(customer, "page=2")))
    assert "3–3 of 3 entries" in second and f"Invoice {made[0].number}" in second
    oldest = text(client.get(tab(customer, "order=oldest")))
    assert f"Invoice {made[0].number}" in oldest and f"Invoice {made[2].number}" not in oldest
    # Past the end: back to the first page.
    response = client.get(tab(customer, "page=9"))
    assert response.status_code == 302 and response["Location"] == tab(customer)


@pytest.mark.parametrize(
    "query", ["as_of=2026-13-45", "as_of=%00&open=x&order=%27", "page=-4", "page=abc",
              "page=99999999999999999999999"],
)  # fmt: skip
def test_bad_filter_values_never_break_the_tab(client_for, reader, customer, ledger, query):
    response = client_for(reader).get(tab(customer, query))
    assert response.status_code in (200, 302)


def test_an_unreadable_date_is_reported(client_for, reader, customer, ledger):
    page = text(client_for(reader).get(tab(customer, "as_of=31.02.2026")))
    assert "“31.02.2026” is not a date" in page
    assert "1–3 of 3 entries" in page


def test_an_unknown_customer_is_404(client_for, reader, db):
    assert client_for(reader).get("/customers/999999/ledger/").status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, customer):
    response = client.get(tab(customer))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_tab_needs_the_same_queries_for_5_and_50_rows(client_for, finance, customer,
                                                          make_invoice):  # fmt: skip
    client = client_for(finance)
    for _ in range(3):
        invoice = make_invoice(10_000)
        services.payment_register(actor=finance, invoice=invoice, amount_ore=5_000, date=TODAY)
    give_credit(customer, 1_000, finance)
    assert Payment.objects.count() + 3 == 7
    small = _queries(client, tab(customer))
    for _ in range(25):
        invoice = make_invoice(10_000)
        services.payment_register(actor=finance, invoice=invoice, amount_ore=5_000, date=TODAY)
    large = _queries(client, tab(customer))
    # Session, user, customer, tags, Previous / Next (2), the ledger page, totals (2), ageing,
    # the page's invoices with their payment states (3), and the open invoices for the credit.
    assert small == large == 13


# The customer's credit ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_finance_roles_see_the_credit_actions(request, client_for, customer, ledger,
                                                   finance, role):  # fmt: skip
    give_credit(customer, 25_000, finance)
    user = request.getfixturevalue(role)
    page = text(client_for(user).get(tab(customer)))
    assert 'data-testid="ledger-credit">250,00 kr' in page
    assert ("credit now: 250,00 kr" in page) is user.can_manage_finance
    assert ("/ledger/credit/apply/" in page) is user.can_manage_finance


def test_finance_applies_credit_to_an_invoice(client_for, finance, customer, ledger):
    give_credit(customer, 25_000, finance)
    b = ledger["b"]
    response = client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/apply/",
        {"invoice": b.pk, "amount": "200,50", "back": "open=1"},
    )
    assert response.status_code == 302 and response["Location"] == tab(customer, "open=1")
    assert customer_credit_ore(customer) == 25_000 - 20_050
    assert services.invoice_open_ore(b) == 50_000 - 20_050
    page = text(client_for(finance).get(response["Location"]))
    assert "200,50 kr of the customer&#x27;s credit used on Invoice" in page


def test_applying_more_than_the_credit_is_refused(client_for, finance, customer, ledger):
    give_credit(customer, 10_000, finance)
    before = snapshot()
    response = client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/apply/",
        {"invoice": ledger["b"].pk, "amount": "150"},
        follow=True,
    )
    assert "Not done: The customer has only 100,00 kr in credit." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "12,345"}, "at most two decimals"),
        ({"amount": "abc"}, "Enter an amount in kroner"),
        ({"amount": "-5"}, "Enter an amount above 0."),
        ({"amount": "10", "invoice": 999999}, "Select a valid choice"),
    ],
)
def test_bad_credit_input_is_refused(client_for, finance, customer, ledger, data, message):
    give_credit(customer, 10_000, finance)
    before = snapshot()
    data = {"invoice": ledger["b"].pk, **data}
    page = text(client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/apply/", data, follow=True
    ))  # fmt: skip
    assert message in page
    assert snapshot() == before


def test_an_invoice_of_another_customer_cannot_take_the_credit(
    client_for, finance, customer, other_customer, make_invoice
):
    give_credit(customer, 10_000, finance)
    theirs = make_invoice(10_000, customer=other_customer)
    before = snapshot()
    client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/apply/", {"invoice": theirs.pk, "amount": "10"}
    )
    assert snapshot() == before


def test_finance_records_a_refund_of_credit(client_for, finance, customer, ledger):
    give_credit(customer, 10_000, finance)
    response = client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/refund/",
        {"amount": "60", "note": "Paid back to 1234.56.78903"},
        follow=True,
    )
    assert "Refund of 60,00 kr recorded." in text(response)
    refund = Payment.objects.get(method=PaymentMethod.REFUND)
    assert (refund.amount_ore, refund.note, refund.created_by) == (
        -6_000, "Paid back to 1234.56.78903", finance
    )  # fmt: skip
    assert customer_credit_ore(customer) == 4_000


def test_a_refund_without_a_note_is_refused(client_for, finance, customer, ledger):
    give_credit(customer, 10_000, finance)
    before = snapshot()
    response = client_for(finance).post(
        f"/customers/{customer.pk}/ledger/credit/refund/", {"amount": "60", "note": ""}, follow=True
    )
    assert "Not done: This field is required." in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("role", ["manager", "reader"])
@pytest.mark.parametrize("action", ["apply", "refund"])
def test_other_roles_may_not_touch_the_credit(request, client_for, customer, ledger, finance,
                                              role, action):  # fmt: skip
    give_credit(customer, 10_000, finance)
    before = snapshot()
    response = client_for(request.getfixturevalue(role)).post(
        f"/customers/{customer.pk}/ledger/credit/{action}/",
        {"invoice": ledger["b"].pk, "amount": "10", "note": "x"},
    )
    assert response.status_code == 403
    assert snapshot() == before


# The statement --------------------------------------------------------------------------------


def read_xlsx(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def test_the_statement_downloads_as_xlsx(client_for, reader, customer, ledger):
    response = client_for(reader).get(f"/customers/{customer.pk}/ledger/statement/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="kontoutskrift-{customer.number}-{TODAY.isoformat()}.xlsx"'
    )
    sheet = read_xlsx(response.content)
    assert sheet[0][0] == f"Statement: {customer.name}"
    subtitle = sheet[1][0].replace("\xa0", " ")
    assert "Balance 1 100,00 kr" in subtitle
    assert "31–60 days 600,00 kr" in subtitle and "Not due 500,00 kr" in subtitle
    assert sheet[3] == ["Date", "Document", "Paid to", "Due date", "Status", "Invoiced",
                        "Paid / credited", "Balance"]  # fmt: skip
    a, b = ledger["a"], ledger["b"]
    # Oldest first, as a statement reads.
    assert [row[1] for row in sheet[4:7]] == [
        f"Invoice {a.number}", "Payment: Bank transfer", f"Invoice {b.number}"
    ]  # fmt: skip
    assert sheet[4][4] == "Overdue, 45 days"
    assert sheet[5][2] == f"Invoice {a.number}"
    assert [row[7] for row in sheet[4:7]] == [1000.0, 600.0, 1100.0]
    assert sheet[7][:7] == ["Total", "", "", "", "", 1500.0, 400.0]


def test_the_statement_xlsx_has_exact_amounts(client_for, reader, customer, make_invoice,
                                              finance):  # fmt: skip
    invoice = make_invoice(9_049_251)
    services.payment_register(actor=finance, invoice=invoice, amount_ore=2_010, date=TODAY)
    response = client_for(reader).get(f"/customers/{customer.pk}/ledger/statement/?format=xlsx")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # Invoiced (F), paid (G) and balance (H), then the totals; once 90492.50999999999.
    written = re.findall(r'<c r="[FGH]\d+"[^>]*><v>([^<]*)</v>', xml)
    assert written == ["90492.51", "90492.51", "20.10", "90472.41", "90492.51", "20.10"]
    sheet = read_xlsx(response.content)
    assert [row[5:8] for row in sheet[4:7]] == [[90492.51, "", 90492.51], ["", 20.1, 90472.41],
                                                [90492.51, 20.1, ""]]  # fmt: skip


def test_the_statement_of_open_items_downloads_as_pdf(client_for, reader, customer, ledger,
                                                       make_invoice, finance):  # fmt: skip
    paid = make_invoice(30_000)
    services.payment_register(actor=finance, invoice=paid, amount_ore=30_000, date=TODAY)
    response = client_for(reader).get(
        f"/customers/{customer.pk}/ledger/statement/?open=1&format=pdf"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    content = "\n".join(page.extract_text() for page in pages).replace("\xa0", " ")
    assert f"Statement: {customer.name}" in content
    assert "Open items only" in content
    assert f"Invoice {ledger['b'].number}" in content
    assert f"Invoice {paid.number}" not in content


def test_the_statement_pdf_can_be_sent_it_has_sender_address_and_how_to_pay(
    client_for, reader, customer, ledger, company
):
    company.street, company.postcode, company.city = "Kirkegata 1", "0153", "Oslo"
    company.email, company.phone = "faktura@fjordvik.no", "+47 22 00 00 00"
    company.organization_form = "AS"
    company.save()
    response = client_for(reader).get(f"/customers/{customer.pk}/ledger/statement/?format=pdf")
    reader_pdf = PdfReader(io.BytesIO(response.content))
    first = reader_pdf.pages[0].extract_text().replace("\xa0", " ")
    # The sender, as on an invoice.
    for line in ["Fjordvik Rådgivning AS", "Kirkegata 1", "0153 Oslo", "Org. no. 923 609 016",
                 "Foretaksregisteret", "faktura@fjordvik.no", "+47 22 00 00 00"]:  # fmt: skip
        assert line in first
    # The customer's postal address, in the window of a C5/E65 envelope (20 mm from the left,
    # 50-95 mm from the top of an A4 portrait page).
    assert reader_pdf.pages[0].mediabox.width < reader_pdf.pages[0].mediabox.height
    positions = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            positions[text.strip()] = (tm[4], tm[5])

    reader_pdf.pages[0].extract_text(visitor_text=visit)
    height, mm = float(reader_pdf.pages[0].mediabox.height), 72 / 25.4
    for line in ["Fjellheim Konsult AS", "Storgata 1", "0155 Oslo"]:
        x, y = positions[line]
        assert 19 * mm < x < 22 * mm and 50 * mm < height - y < 95 * mm, line
    # How to pay: our account and each invoice's KID.
    words = " ".join(first.split())
    assert "Bank account: 8601.11.17947" in words
    assert "Pay each invoice with its KID as the payment reference" in words
    a, b = ledger["a"], ledger["b"]
    assert a.kid and f"Invoice {a.number} · KID {a.kid}" in words
    assert f"Invoice {b.number} · KID {b.kid}" in words


def test_the_statement_as_of_an_earlier_date_shows_the_status_on_that_date(
    client_for, reader, customer, settled_later
):
    c, d = settled_later["c"], settled_later["d"]
    as_of = TODAY - timedelta(days=4)
    response = client_for(reader).get(
        f"/customers/{customer.pk}/ledger/statement/?format=xlsx&as_of={as_of.isoformat()}"
    )
    assert response.status_code == 200
    sheet = read_xlsx(response.content)
    assert sheet[3][4] == "Status"
    assert [(row[1], row[4]) for row in sheet[4:6]] == [
        (f"Invoice {c.number}", "Overdue, 6 days"), (f"Invoice {d.number}", "Outstanding")
    ]  # fmt: skip
    today = read_xlsx(
        client_for(reader).get(f"/customers/{customer.pk}/ledger/statement/?format=xlsx").content
    )
    assert {row[1]: row[4] for row in today[4:8]} == {
        f"Invoice {c.number}": "Paid",
        f"Invoice {d.number}": "Credited",
        "Payment: Bank transfer": "",
        f"Credit note {d.number + 1}": "",
    }


def test_an_unknown_statement_format_is_404(client_for, reader, customer):
    url = f"/customers/{customer.pk}/ledger/statement/?format=csv"
    assert client_for(reader).get(url).status_code == 404
