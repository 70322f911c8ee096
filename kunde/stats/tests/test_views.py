"""The Key statistics tab, its drill-down pages and their XLSX downloads."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from python_calamine import CalamineWorkbook

QUERY = "period=custom&start=2026-01-01&end=2026-06-30"


def url(ledger, figure=None, query=QUERY):
    base = f"/customers/{ledger.customer.pk}/statistics/"
    return f"{base}{figure}/?{query}" if figure else f"{base}?{query}"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 7, 15))


@pytest.mark.parametrize("role", ["admin", "finance", "manager"])
def test_the_tab_shows_the_figures_to_every_role_but_read_only(
    request, ledger, client_for, role, today
):
    response = client_for(request.getfixturevalue(role)).get(url(ledger))
    assert response.status_code == 200
    page = response.content.decode()
    assert "3\xa0400,00\xa0kr" in page  # invoiced
    assert "913,33\xa0kr" in page  # margin
    assert f"/customers/{ledger.customer.pk}/statistics/outstanding/?" in page
    assert "<svg" in page and "<title>" in page


def test_read_only_users_get_403_and_no_tab(ledger, client_for, reader):
    client = client_for(reader)
    assert client.get(url(ledger)).status_code == 403
    assert client.get(url(ledger, "paid")).status_code == 403
    profile = client.get(f"/customers/{ledger.customer.pk}/").content.decode()
    assert "/statistics/" not in profile


def test_the_tab_link_is_on_the_profile(ledger, client_for, manager):
    profile = client_for(manager).get(f"/customers/{ledger.customer.pk}/").content.decode()
    assert f"/customers/{ledger.customer.pk}/statistics/" in profile


def test_an_unknown_figure_or_customer_is_404(ledger, client_for, manager):
    client = client_for(manager)
    assert client.get(url(ledger, "nonsense")).status_code == 404
    assert client.get("/customers/999999/statistics/").status_code == 404


def test_a_period_that_ends_before_it_starts_is_refused_with_a_message(ledger, client_for, manager):
    response = client_for(manager).get(
        url(ledger, query="period=custom&start=2026-05-01&end=2026-01-01")
    )
    assert response.status_code == 200
    assert "The period must start before it ends." in response.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_data(ledger, client_for, manager, today):
    client = client_for(manager)
    client.get(url(ledger))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(ledger)).status_code == 200
    # Session and user 2, customer and tags 2, previous/next 2, projects 1, the cards 10, the
    # previous period 7 (it starts on 4 July: the monthly sums of documents, payments and hours
    # for its whole months, the documents, payments and time entries for the days of July; the
    # expenses).
    assert len(queries) == 24, [q["sql"][:120] for q in queries]


def test_drill_down_shows_the_rows_and_their_total(ledger, client_for, manager, today):
    response = client_for(manager).get(url(ledger, "overdue"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "900,00\xa0kr" in page
    assert page.count("<tr>") - 2 == 1  # one row besides head and foot


def test_drill_down_xlsx_has_real_numbers_dates_and_a_sum_row(ledger, client_for, manager, today):
    response = client_for(manager).get(url(ledger, "invoiced", QUERY + "&format=xlsx"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    header = rows[3]
    assert header[:3] == ["Number", "Type", "Invoice date"]
    body = rows[4:-1]
    assert len(body) == 4
    assert body[0][2] == date(2026, 1, 10)
    assert [row[5] for row in body] == [1000.0, 2000.0, -400.0, 800.0]
    assert rows[-1][0] == "Total" and rows[-1][5] == 3400.0


def test_the_whole_tab_as_xlsx(ledger, client_for, manager, today):
    response = client_for(manager).get(url(ledger, query=QUERY + "&format=xlsx"))
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["Figures", "Per month", "Per project", "Employees"]
    figures = {row[0]: row[1] for row in book.get_sheet_by_index(0).to_python()[3:]}
    assert figures["Invoiced excl. VAT"] == 3400.0
    assert figures["Contribution margin"] == 913.33
    assert figures["Hours registered"] == 4.87  # 292 minutes
    assert Decimal(str(figures["Profit factor"])) == Decimal("2.2")
    months = book.get_sheet_by_name("Per month").to_python()
    assert months[4][0] == date(2026, 1, 1)
    assert months[-1][0] == "Total" and months[-1][1] == 3400.0
