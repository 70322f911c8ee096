"""`kunde bench --stats`: the Key statistics tab of the large customer (20,000 invoices, about
18,000 payments, 200,000 time entries), all time, against the same figures by hand-written SQL
on the same database; a typical customer's tab; and a drill-down page.

The hand-written SQL is the floor of reading the documents and payments themselves: one plain
aggregate per card, without the per-month, per-employee and per-project groups the tab also
shows; its hours come from the same summary the tab reads (`stats_customerhours`). The tab reads
the documents' and payments' monthly sums and the invoices that can be open (kept by database
triggers), so it can be under that floor.

Flat in the number of customers: run it with `--quick` (5,000 customers) and without (100,000)
and compare `stats_tab`; the ranking's goal (1 s) is for 100,000 customers, so `met` says
`ranking_ms` only when the database has that many.
"""

import random
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.demo.bench import (
    _large_customer,
    _time_call,
    _time_get,
    _typical_customer,
    planner_statistics_refresh,
)
from kunde.invoices.models import Invoice
from kunde.payments.models import Payment
from kunde.projects.models import Expense, Project, TimeEntry
from kunde.stats import selectors
from kunde.stats.models import HoursSummary
from kunde.stats.periods import Period
from kunde.stats.summary import summary_rebuild

TIME_ENTRIES_ON_LARGE_CUSTOMER = 200_000
GOAL_MS = 60
GOAL_TIMES_SQL = 2
GOAL_RANKING_MS = 1000
RANKING_CUSTOMERS = 100_000


def bench_stats_ensure(*, entries: int = TIME_ENTRIES_ON_LARGE_CUSTOMER, log=print) -> None:
    """Give the large customer `entries` time entries over two years (bulk_create, seed 1),
    with cost and sales rates, and a few hundred expenses."""
    customer = _large_customer()
    have = TimeEntry.objects.filter(project__customer=customer).count()
    if have >= entries:
        if not HoursSummary.objects.exists():
            log("Building the hours summary ...")
            summary_rebuild()
        return
    log(f"Adding {entries - have:,} time entries to {customer.name} ...")
    rng = random.Random(1)
    projects = list(Project.objects.filter(customer=customer).values_list("pk", flat=True))
    staff = list(
        User.objects.exclude(role=Role.READ_ONLY).order_by("pk").values_list("pk", flat=True)
    )
    if not projects or not staff:
        raise RuntimeError("The large customer needs projects and the demo staff.")
    cost = {pk: rng.randrange(40_000, 90_001, 5_000) for pk in staff}
    today = timezone.localdate()
    rows = [
        TimeEntry(
            project_id=rng.choice(projects),
            employee_id=(employee := rng.choice(staff)),
            date=today - timedelta(days=rng.randint(0, 730)),
            minutes=rng.randrange(2, 33) * 15,
            billable=rng.random() < 0.85,
            approved=True,
            cost_rate_ore=cost[employee],
            sales_rate_ore=rng.randrange(110_000, 180_001, 5_000),
        )
        for _ in range(entries - have)
    ]
    TimeEntry.objects.bulk_create(rows, batch_size=5000)
    Expense.objects.bulk_create(
        [
            Expense(
                project_id=rng.choice(projects),
                date=today - timedelta(days=rng.randint(0, 730)),
                description="Bench",
                cost_ore=(c := rng.randrange(5_000, 800_000, 100)),
                sales_ore=c,
            )
            for _ in range(500)
        ]
    )
    log("Building the hours summary ...")
    summary_rebuild()


def _sql_floor(customer_id: int) -> Callable[[], list]:
    """The same card figures (all time) in plain SQL, one statement per card."""
    vendor = connection.vendor
    days = (
        "(p.date - i.issue_date)"
        if vendor == "postgresql"
        else ("(julianday(p.date) - julianday(i.issue_date))")
    )
    today = timezone.localdate().isoformat()
    statements = [
        (
            "SELECT SUM(net_ore), SUM(CASE WHEN kind = 'credit_note' THEN -net_ore END), "
            "SUM(CASE WHEN kind = 'invoice' THEN 1 ELSE 0 END) FROM invoices_invoice "
            "WHERE customer_id = %s AND status = 'issued'",
            [customer_id],
        ),
        (
            "SELECT SUM(amount_ore) FROM payments_payment "
            "WHERE customer_id = %s AND method <> 'write_off'",
            [customer_id],
        ),
        (
            f"SELECT SUM(p.amount_ore * {days}), SUM(p.amount_ore), "
            "SUM(CASE WHEN p.date > i.due_date THEN p.amount_ore ELSE 0 END) "
            "FROM payments_payment p JOIN invoices_invoice i ON i.id = p.invoice_id "
            "WHERE p.customer_id = %s AND p.amount_ore > 0 "
            "AND p.method NOT IN ('write_off', 'credit')",
            [customer_id],
        ),
        (
            # Materialized: inlined, the open amount's subqueries would run once per use.
            "WITH t AS MATERIALIZED ("
            "SELECT i.due_date, i.total_ore"
            " + COALESCE((SELECT SUM(c.total_ore) FROM invoices_invoice c"
            "   WHERE c.credited_invoice_id = i.id AND c.status = 'issued'"
            "   AND c.issue_date <= %s), 0)"
            " - COALESCE((SELECT SUM(p.amount_ore) FROM payments_payment p"
            "   WHERE p.invoice_id = i.id AND p.date <= %s), 0) AS o"
            " FROM invoices_invoice i WHERE i.customer_id = %s AND i.status = 'issued'"
            " AND i.kind = 'invoice' AND i.issue_date <= %s) "
            "SELECT SUM(CASE WHEN o > 0 THEN o ELSE 0 END), "
            "SUM(CASE WHEN o > 0 AND due_date < %s THEN o ELSE 0 END) FROM t",
            [today, today, customer_id, today, today],
        ),
        (
            "SELECT SUM(minutes), SUM(CASE WHEN billable THEN minutes ELSE 0 END), "
            "SUM(CASE WHEN invoiced THEN minutes ELSE 0 END), SUM(cost_ore), "
            "SUM(price_value_ore) FROM stats_customerhours WHERE customer_id = %s",
            [customer_id],
        ),
        (
            "SELECT SUM(e.cost_ore) FROM projects_expense e "
            "JOIN projects_project pr ON pr.id = e.project_id WHERE pr.customer_id = %s",
            [customer_id],
        ),
    ]

    def run():
        results = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchone())
        return results

    return run


def bench_stats(*, n: int = 30, warmup: int = 5) -> list[dict]:
    planner_statistics_refresh()
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    large, typical = _large_customer(), _typical_customer()
    sizes = {
        "customers": large.__class__.objects.count(),
        "invoices_on_customer": Invoice.objects.filter(customer=large).count(),
        "payments_on_customer": Payment.objects.filter(customer=large).count(),
        "time_entries_on_customer": TimeEntry.objects.filter(project__customer=large).count(),
    }
    scope = selectors.Scope(large.pk, Period(None, None), None, timezone.localdate())
    projects = list(Project.objects.filter(customer=large))
    rows = [
        {
            "name": "stats_figures",
            **_time_call(
                lambda: selectors.customer_statistics(scope, projects=projects), n, warmup
            ),
            **sizes,
        },
        {"name": "stats_sql_floor", **_time_call(_sql_floor(large.pk), n, warmup), **sizes},
    ]
    client = Client()
    client.force_login(admin)
    with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
        for name, url in [
            ("stats_tab", f"/customers/{large.pk}/statistics/?period=all"),
            ("stats_tab_this_year", f"/customers/{large.pk}/statistics/"),
            ("stats_tab_typical", f"/customers/{typical.pk}/statistics/?period=all"),
            (
                "stats_drill_outstanding",
                f"/customers/{large.pk}/statistics/outstanding/?period=all",
            ),
            ("stats_ranking_this_year", "/statistics/customers/?period=this_year&sort=margin"),
        ]:
            rows.append({"name": name, **_time_get(client, url, n, warmup), **sizes})
    client.logout()
    by_name = {row["name"]: row for row in rows}
    times_sql = by_name["stats_figures"]["median_ms"] / max(
        by_name["stats_sql_floor"]["median_ms"], 0.01
    )
    rows.append(
        {
            "name": "stats_goals",
            "goal_ms": GOAL_MS,
            "goal_times_sql": GOAL_TIMES_SQL,
            "goal_ranking_ms": GOAL_RANKING_MS,
            "times_sql": round(times_sql, 2),
            "met": {
                "stats_tab_ms": by_name["stats_tab"]["median_ms"] <= GOAL_MS,
                "ranking_ms": (
                    by_name["stats_ranking_this_year"]["median_ms"] <= GOAL_RANKING_MS
                    if sizes["customers"] >= RANKING_CUSTOMERS
                    else None  # not measured at the goal's size
                ),
                "times_sql": times_sql <= GOAL_TIMES_SQL,
            },
        }
    )
    return rows
