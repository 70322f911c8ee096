"""Timing the pages that must stay fast on a large data set: the customer profile, the list with
and without a search, and previous/next.

Requests go through django.test.Client with a signed-in administrator, so the time is the
server's: URL routing, middleware, queries and template rendering, without network or browser.
"""

import statistics
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.core.management import call_command
from django.db import connection, reset_queries, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer, Note
from kunde.customers.selectors import CustomerListParams, customer_for_profile, customer_neighbours
from kunde.demo.generator import demo_data_create
from kunde.invoices.models import Invoice, InvoiceSeries
from kunde.payments.models import Payment
from kunde.projects.models import Project, TimeEntry

# A name part that many, but far from all, customers have ("Solberg", "Bergheim", "Berg").
SEARCH_WORD = "berg"
GOALS_MS = {"profile": 30, "list_search": 50, "prev_next": 10, "ledger": 50}
# Which goal each measurement is held to.
GOAL_OF = {
    "profile": "profile",
    "profile_typical": "profile",
    "profile_from_list": "profile",
    "list_search": "list_search",
    "prev_next": "prev_next",
    "ledger_tab": "ledger",
}


class BenchError(Exception):
    pass


def bench_data_ensure(
    *, customers: int, own_database: bool, log: Callable[[str], None] = print
) -> None:
    """Make sure the database holds the demo data set to measure on.

    The bench's own database is rebuilt (seed 1) when it holds a different number of customers.
    A database the user chose is used as it is; only an empty one gets the demo data.
    """
    count = Customer.objects.count()
    if count == customers or (count and not own_database):
        return
    if count:
        log(f"The bench database has {count:,} customers, not {customers:,}: rebuilding it.")
        call_command("flush", interactive=False, verbosity=0)
    summary = demo_data_create(customers=customers, seed=1, log=log)
    log(f"Built {summary.customers:,} demo customers in {summary.seconds:.1f} s.")


INVOICES_ON_LARGE_CUSTOMER = 20_000


def bench_invoices_ensure(*, count: int = INVOICES_ON_LARGE_CUSTOMER, log=print) -> None:
    """Give the large customer `count` issued invoices, as the invoices tab must stay fast for
    such a customer. Written with bulk_create (no lines or PDFs: the tab lists documents)."""
    customer = _large_customer()
    have = Invoice.objects.filter(customer=customer).count()
    if have >= count:
        return
    log(f"Adding {count - have:,} invoices to {customer.name} ...")
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    with transaction.atomic():
        series, _created = InvoiceSeries.objects.select_for_update().get_or_create(pk=1)
        first = max(series.next_number, (Invoice.objects.aggregate(n=Max("number"))["n"] or 0) + 1)
        today = timezone.localdate()
        invoices = []
        for i in range(count - have):
            issued = today - timedelta(days=(count - have - i) * 730 // (count - have))
            net = 50_000 + (i * 7919) % 2_000_000
            invoices.append(
                Invoice(
                    kind="invoice",
                    status="issued",
                    number=first + i,
                    customer=customer,
                    issue_date=issued,
                    due_date=issued + timedelta(days=14),
                    net_ore=net,
                    vat_ore=net // 4,
                    total_ore=net + net // 4,
                    created_by=admin,
                    issued_by=admin,
                    issued_at=timezone.now(),
                    export_status="transferred" if i % 10 else "to_transfer",
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=2000)
        series.next_number = first + len(invoices)
        series.save()


def bench_payments_ensure(*, log=print) -> None:
    """One payment per invoice of the large customer (20,000 invoices, 20,000 payments): the
    ledger tab must stay fast for such a customer. Every tenth invoice is left open."""
    customer = _large_customer()
    if Payment.objects.filter(customer=customer).exists():
        return
    invoices = Invoice.objects.filter(customer=customer, status="issued", kind="invoice")
    rows = list(invoices.values_list("pk", "total_ore", "issue_date"))
    log(f"Adding {len(rows) - len(rows) // 10:,} payments to {customer.name} ...")
    payments = [
        Payment(
            customer=customer,
            invoice_id=pk,
            amount_ore=total,
            date=issued + timedelta(days=12),
            method="ocr",
            match_rule="kid_exact",
        )
        for i, (pk, total, issued) in enumerate(rows)
        if i % 10 and total
    ]
    Payment.objects.bulk_create(payments, batch_size=2000)


def planner_statistics_refresh() -> None:
    """On PostgreSQL, VACUUM ANALYZE, as autovacuum does in production within minutes. Without
    it a bench right after a bulk load measures plans made without statistics, and one after an
    earlier run's rolled-back imports (100,000 dead rows each) reads a bloated payment table
    (measured on 100,000 customers: the profile 108 -> 24 ms). SQLite: nothing (its plans here
    are made without ANALYZE, in the bench as in production)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run in a transaction (the tests run in one); ANALYZE can.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def bench_run(*, n: int = 30, warmup: int = 5, word: str = SEARCH_WORD) -> list[dict]:
    """Measure each page or step: one row per measurement, and last the goals."""
    planner_statistics_refresh()
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        raise BenchError("The bench needs an active user with the admin role.")
    large, typical = _large_customer(), _typical_customer()
    params = CustomerListParams.from_query({"q": word})
    matches = params.filtered().count()
    middle = _middle_of_list(params, matches)
    sizes = {
        "customers": Customer.objects.count(),
        "projects": Project.objects.count(),
        "notes": Note.objects.count(),
        "time_entries": TimeEntry.objects.count(),
    }
    search = {"q": word, "matches": matches}
    query = urlencode({"q": word})
    client = Client()
    client.force_login(admin)
    rows = []
    # Measure as production runs: without DEBUG. "testserver" is the host the test client
    # sends. WhiteNoise warns, harmlessly, when static files have not been collected.
    with (
        override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message="No directory at")
        for name, url, extra in [
            ("profile", f"/customers/{large.pk}/", _customer_sizes(large)),
            ("profile_typical", f"/customers/{typical.pk}/", _customer_sizes(typical)),
            ("list_search", f"/customers/?{query}", search),
            ("list", "/customers/", {}),
            ("profile_from_list", f"/customers/{middle.pk}/?{query}", search),
            (
                "invoices_tab",
                f"/customers/{large.pk}/invoices/",
                {"invoices_on_customer": Invoice.objects.filter(customer=large).count()},
            ),
            (
                "ledger_tab",
                f"/customers/{large.pk}/ledger/",
                {
                    "invoices_on_customer": Invoice.objects.filter(customer=large).count(),
                    "payments_on_customer": Payment.objects.filter(customer=large).count(),
                },
            ),
        ]:
            rows.append({"name": name, **_time_get(client, url, n, warmup), **sizes, **extra})
        rows.append(
            {
                "name": "prev_next",
                **_time_call(lambda: customer_neighbours(middle, params), n, warmup),
                **sizes,
                **search,
            }
        )
    client.logout()
    goals = {
        "name": "goals",
        **{f"{goal}_ms": limit for goal, limit in GOALS_MS.items()},
        "met": {
            row["name"]: row["median_ms"] <= GOALS_MS[GOAL_OF[row["name"]]]
            for row in rows
            if row["name"] in GOAL_OF
        },
    }
    return [*rows, goals]


def _large_customer() -> Customer:
    """The customer with the most projects (the demo's "Nordlys Energi ASA")."""
    top = Project.objects.values("customer").annotate(n=Count("id")).order_by("-n").first()
    customer = Customer.objects.filter(pk=top["customer"]).first() if top else None
    return customer or _first_customer()


def _typical_customer() -> Customer:
    """A customer from the middle of the number series that has a project and notes."""
    numbers = Customer.objects.order_by("number").values_list("number", flat=True)
    middle = numbers[numbers.count() // 2]
    customer = (
        Customer.objects.filter(number__gte=middle)
        .filter(
            Exists(Project.objects.filter(customer=OuterRef("pk"))),
            Exists(Note.objects.filter(customer=OuterRef("pk"))),
        )
        .order_by("number")
        .first()
    )
    return customer or _first_customer()


def _middle_of_list(params: CustomerListParams, matches: int) -> Customer:
    """A customer from the middle of the search result, so it has both neighbours."""
    if not matches:
        raise BenchError(f"No customer matches {params.q!r}: nothing to measure previous/next on.")
    ids = params.filtered().order_by(*params.order_by).values_list("id", flat=True)
    return customer_for_profile(ids[matches // 2])


def _first_customer() -> Customer:
    customer = Customer.objects.order_by("number").first()
    if customer is None:
        raise BenchError("The database has no customers to measure on.")
    return customer


def _customer_sizes(customer: Customer) -> dict:
    return {
        "customer_id": customer.pk,
        "notes_on_customer": customer.notes.count(),
        "projects_on_customer": customer.projects.count(),
        "time_entries_on_customer": TimeEntry.objects.filter(project__customer=customer).count(),
    }


def _time_get(client: Client, url: str, n: int, warmup: int) -> dict:
    def get():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}, not 200.")

    return _time_call(get, n, warmup)


def _time_call(call: Callable, n: int, warmup: int) -> dict:
    """Median of n timed calls after the warm-up, and the queries of one more (counting queries
    costs time, so that call is not among the timed ones)."""
    for _ in range(warmup):
        call()
    # The query log is a bounded deque: once full (with DEBUG on, a demo build fills it) its
    # length stops growing and CaptureQueriesContext would count nothing.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        call()
    # Count now: captured_queries reads the connection's log, which the next request empties.
    query_count = len(queries.captured_queries)
    timings = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(timings), 2),
        "queries": query_count,
        "n": n,
    }
