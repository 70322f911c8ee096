"""Every figure of the tab on the hand-built customer of conftest.py, worked out by hand."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kunde.invoices.models import Invoice
from kunde.offers.models import Offer
from kunde.stats import drill, selectors
from kunde.stats.periods import Period


def test_invoicing_figures(ledger):
    stats = selectors.customer_statistics(ledger.scope)
    # 100 000 + 200 000 − 40 000 + 80 000; the invoice of December and the draft are outside.
    assert stats.invoiced_ore == 340_000
    assert stats.credited_ore == 40_000
    assert stats.invoice_count == 3


def test_payment_figures(ledger):
    stats = selectors.customer_statistics(ledger.scope)
    # The write-off is not money received.
    assert stats.paid_ore == 125_000 + 100_000 + 62_500
    # On 30 June: invoice 2 has 250 000 − 50 000 − 100 000 − 10 000 open, due 24 February;
    # invoice 3 (100 000) is not due until 4 July.
    assert stats.outstanding_ore == 190_000
    assert stats.overdue_ore == 90_000
    assert stats.outstanding_by_age == {
        "not_due": 100_000,
        "1_30": 0,
        "31_60": 0,
        "61_90": 0,
        "over_90": 90_000,
    }
    # 10 days × 125 000, 28 × 100 000 (late), 21 × 62 500 (late).
    assert stats.average_days_to_pay == Decimal("18.7")
    assert stats.median_days_to_pay == 21
    assert stats.paid_late_ratio == Decimal("56.5")


def test_hour_figures(ledger):
    stats = selectors.customer_statistics(ledger.scope)
    assert stats.hours_registered_minutes == 120 + 90 + 45 + 30 + 7
    assert stats.hours_billable_minutes == 120 + 90 + 30
    assert stats.hours_invoiced_minutes == 120
    assert stats.hours_invoiced_value_ore == 220_000  # 2 h at the line's 1 100 kr
    # On a draft's line counts as not yet invoiced.
    assert stats.hours_uninvoiced_minutes == 120
    assert stats.hours_uninvoiced_value_ore == 135_000 + 45_000
    assert stats.revenue_per_hour_ore == 110_000


def test_cost_and_margin(ledger):
    stats = selectors.customer_statistics(ledger.scope)
    # 100 000 + 60 000 + 37 500 + 20 000 + 7 min × 100,01 kr = 1 166,78 → 1 167.
    assert stats.hours_cost_ore == 218_667
    assert stats.expenses_ore == 30_000
    assert stats.cost_ore == 248_667
    assert stats.margin_ore == 91_333
    assert stats.margin_ratio == Decimal("26.9")
    assert stats.profit_factor == Decimal("2.20")  # 220 000 ÷ the 100 000 those hours cost


def test_per_project_month_and_employee(ledger, manager, finance):
    stats = selectors.customer_statistics(ledger.scope, projects=[ledger.p1, ledger.p2])
    projects = {p.pk: p for p in stats.per_project}
    assert projects[ledger.p1.pk].invoiced_ore == 260_000
    assert projects[ledger.p1.pk].cost_ore == 100_000 + 60_000 + 37_500 + 1_167 + 30_000
    assert projects[ledger.p2.pk].invoiced_ore == 80_000
    assert projects[ledger.p2.pk].minutes == 30
    assert sum(p.margin_ore for p in stats.per_project) == stats.margin_ore
    months = {m.month: m for m in stats.per_month}
    assert months[date(2026, 3, 1)].invoiced_ore == -40_000
    assert months[date(2026, 3, 1)].paid_ore == 100_000
    assert sum(m.invoiced_ore for m in stats.per_month) == stats.invoiced_ore
    assert sum(m.cost_ore for m in stats.per_month) == stats.cost_ore
    employees = {e.pk: e for e in stats.employees}
    assert employees[manager.pk].minutes == 172
    assert employees[finance.pk].minutes == 120
    assert employees[finance.pk].cost_ore == 80_000


def test_one_project(ledger):
    stats = selectors.customer_statistics(replace(ledger.scope, project_id=ledger.p2.pk))
    assert stats.invoiced_ore == 80_000
    assert stats.paid_ore == 0
    assert stats.outstanding_ore == 100_000
    assert stats.hours_registered_minutes == 30


def test_all_time_counts_today_open_amounts(ledger):
    stats = selectors.customer_statistics(replace(ledger.scope, period=Period(None, None)))
    assert stats.invoiced_ore == 390_000
    assert stats.hours_registered_minutes == 352
    assert stats.expenses_ore == 35_000
    assert stats.overdue_ore == 190_000  # on 15 July invoice 3 is due too


def test_comparison_with_the_previous_period(ledger):
    previous = selectors.period_summary(
        replace(ledger.scope, period=Period(date(2025, 7, 1), date(2025, 12, 31)))
    )
    assert previous.invoiced_ore == 50_000
    assert previous.hours_registered_minutes == 60
    assert previous.cost_ore == 50_000 + 5_000
    assert selectors.change(340_000, 50_000) == Decimal("580.0")
    assert selectors.change(1, 0) is None


FIGURE_ATTRIBUTES = {
    "invoiced": "invoiced_ore",
    "credited": "credited_ore",
    "invoice_count": "invoice_count",
    "paid": "paid_ore",
    "outstanding": "outstanding_ore",
    "overdue": "overdue_ore",
    "hours_registered": "hours_registered_minutes",
    "hours_billable": "hours_billable_minutes",
    "hours_invoiced": "hours_invoiced_minutes",
    "hours_uninvoiced": "hours_uninvoiced_minutes",
    "hours_cost": "hours_cost_ore",
    "expenses": "expenses_ore",
}


@pytest.mark.parametrize("project", [None, "p1"])
@pytest.mark.parametrize(
    "period",
    [
        Period(date(2026, 1, 1), date(2026, 6, 30)),
        Period(None, None),
        Period(None, date(2026, 2, 1)),
    ],
)
@pytest.mark.parametrize("figure", sorted(FIGURE_ATTRIBUTES))
def test_drill_down_rows_add_up_to_the_figure(ledger, figure, period, project):
    scope = replace(ledger.scope, period=period, project_id=project and getattr(ledger, project).pk)
    stats = selectors.customer_statistics(scope)
    rows = drill.drill(scope, figure)
    table = drill.as_table_rows(rows, rows.queryset)
    sign = -1 if figure == "credited" else 1
    if rows.value is None:
        shown = len(table)
    else:
        shown = sign * sum(row[rows.value] for row in table)
    assert shown == getattr(stats, FIGURE_ATTRIBUTES[figure])
    assert sign * rows.total() == shown
    assert figure in drill.LABELS


def test_documents_in_another_currency_are_listed_apart(ledger, finance):
    Invoice.objects.create(
        customer=ledger.customer,
        status="issued",
        number=500,
        issue_date=date(2026, 3, 3),
        due_date=date(2026, 3, 17),
        currency="EUR",
        net_ore=10_000,
        vat_ore=2_500,
        total_ore=12_500,
        created_by=finance,
    )
    stats = selectors.customer_statistics(ledger.scope)
    assert stats.invoiced_ore == 340_000
    assert stats.outstanding_ore == 190_000
    assert stats.other_currencies == {"EUR": 10_000}


def test_offer_figures(ledger, manager):
    def offer(number, status, net, day, project=None):
        Offer.objects.create(
            customer=ledger.customer,
            name=f"Tilbud {number}",
            number=number,
            status=status,
            net_ore=net,
            issue_date=day,
            valid_until=day + timedelta(days=30),
            made_by=manager,
            project=project,
        )

    offer(1, "accepted", 500_000, date(2026, 2, 1), ledger.p1)
    offer(2, "rejected", 100_000, date(2026, 3, 1))
    offer(3, "sent", 50_000, date(2025, 12, 1))  # before the period
    Offer.objects.create(
        customer=ledger.customer,
        name="Utkast",
        net_ore=9_999,
        issue_date=date(2026, 2, 2),
        valid_until=date(2026, 3, 2),
        made_by=manager,
    )
    stats = selectors.customer_statistics(ledger.scope)
    assert (stats.offers_sent, stats.offers_sent_net_ore) == (2, 600_000)
    assert (stats.offers_won, stats.offers_won_net_ore) == (1, 500_000)
    assert stats.hit_rate == Decimal("50.0")
    # Project 1 has 100 000 + 200 000 − 40 000 invoiced of the 500 000 accepted.
    assert stats.offers_remaining_ore == 240_000
    rows = drill.drill(ledger.scope, "offers_sent")
    assert sum(r["net_ore"] for r in drill.as_table_rows(rows, rows.queryset)) == 600_000
