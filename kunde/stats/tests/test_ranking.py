"""/statistics/customers/: customers ranked by a figure for a period."""

import io
from datetime import date
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from kunde.customers.services import customer_create
from kunde.invoices.models import Invoice
from kunde.stats import ranking
from kunde.stats.periods import Period

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))


@pytest.fixture
def second(ledger, manager, finance):
    other = customer_create(actor=manager, data={"name": "Havbris Design AS"})
    Invoice.objects.create(
        customer=other,
        status="issued",
        number=900,
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 2, 15),
        net_ore=500_000,
        vat_ore=125_000,
        total_ore=625_000,
        created_by=finance,
    )
    return other


def test_ranked_by_invoiced_and_by_margin(ledger, second):
    rows = ranking.customer_ranking(
        period=PERIOD, as_of=date(2026, 6, 30), manager=None, tag=None, sort="invoiced"
    )
    assert [r.customer_id for r in rows] == [second.pk, ledger.customer.pk]
    mine = rows[1]
    # The same figures as the customer's tab.
    assert (mine.invoiced_ore, mine.margin_ore) == (340_000, 91_333)
    assert (mine.profit_factor, mine.average_days_to_pay) == (Decimal("2.20"), Decimal("18.7"))
    # Balance: 125 000 + 250 000 − 50 000 + 100 000 + 62 500 issued, 297 500 paid or written off.
    assert mine.balance_ore == 190_000
    by_days = ranking.customer_ranking(
        period=PERIOD, as_of=date(2026, 6, 30), manager=None, tag=None, sort="days_to_pay"
    )
    assert by_days[0].customer_id == ledger.customer.pk  # the other has paid nothing


def test_filtered_by_account_manager(ledger, second, manager):
    rows = ranking.customer_ranking(
        period=PERIOD, as_of=date(2026, 6, 30), manager=manager.pk, tag=None, sort="margin"
    )
    assert [r.customer_id for r in rows] == [ledger.customer.pk]


def test_the_page_and_its_xlsx(ledger, second, client_for, finance, reader):
    url = "/statistics/customers/?period=custom&start=2026-01-01&end=2026-06-30"
    assert client_for(reader).get(url).status_code == 403
    client = client_for(finance)
    page = client.get(url + "&sort=margin").content.decode()
    assert page.index("Havbris Design AS") < page.index("Fjellheim Konsult AS")
    data = client.get(url + "&format=xlsx").content
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert sheet[4][1] == "Havbris Design AS" and sheet[4][2] == 5000.0
    assert sheet[-1][0] == "Total" and sheet[-1][2] == 8400.0
