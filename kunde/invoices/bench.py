"""`kunde bench`: the issuing rate, with the PDFs rendered after, and the time until every PDF
is stored; in one process, and with several issuing processes at once (on PostgreSQL the
figure that counts: SQLite lets one writer in at a time).

Each issue is committed on its own, as a request commits it; the PDF renders are deferred
(`invoices.pdf.renders_deferred`, as a task queue defers them) and run after the last issue.
Timed with DEBUG off, as in production (DEBUG keeps every query in memory). The documents stay:
issued documents are never deleted. They go to one bench customer.
"""

import multiprocessing
import time

from django.db import connections, transaction
from django.db.models import Q
from django.test import override_settings

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.invoices import services
from kunde.invoices.models import Invoice
from kunde.invoices.pdf import invoice_pdf_render, renders_deferred

BENCH_CUSTOMER = "Bench Utstedelse AS"
GOAL_PER_SECOND = 300


def _customer(actor) -> Customer:
    customer = Customer.objects.filter(name=BENCH_CUSTOMER).first()
    if customer is None:
        from kunde.customers.services import customer_create

        customer = customer_create(actor=actor, data={"name": BENCH_CUSTOMER})
    return customer


def _actor() -> User:
    actor = User.objects.filter(role__in=[Role.ADMIN, Role.FINANCE], is_active=True).first()
    if actor is None:
        raise RuntimeError("The issuing bench needs an active administrator or finance user.")
    return actor


def _drafts(actor, count: int) -> list:
    customer = _customer(actor)
    with transaction.atomic():
        return [
            services.invoice_draft_create(
                actor=actor,
                customer=customer,
                lines=[
                    {"description": "Rådgivning", "quantity": 7.5, "unit_price_ore": 125000},
                    {"description": "Reise", "quantity": 1, "unit_price_ore": 45000},
                ],
            )
            for _ in range(count)
        ]


def bench_issuing(*, count: int = 500, log=print) -> dict:
    actor = _actor()
    warmup, *drafts = _drafts(actor, count + 1)
    log(f"Issuing {count} invoices…")
    with override_settings(DEBUG=False), renders_deferred() as issued:
        # Untimed: the first issue of a process loads modules and translation catalogs.
        services.invoice_issue(actor=actor, invoice=warmup)
        issued.clear()
        start = time.perf_counter()
        for draft in drafts:
            services.invoice_issue(actor=actor, invoice=draft)
        issue_seconds = time.perf_counter() - start
    render_start = time.perf_counter()
    for invoice_id in issued:
        invoice_pdf_render(invoice_id)
    render_seconds = time.perf_counter() - render_start
    return {
        "name": "issuing",
        "database": connections["default"].vendor,
        "invoices": count,
        "issue_seconds": round(issue_seconds, 3),
        "per_second": round(count / issue_seconds, 1),
        "goal_per_second": GOAL_PER_SECOND,
        "met": count / issue_seconds >= GOAL_PER_SECOND,
        "pdf_seconds": round(render_seconds, 3),
        "pdfs_per_second": round(count / render_seconds, 1),
        "all_pdfs_stored_seconds": round(issue_seconds + render_seconds, 3),
    }


def _issuer(actor_id: int, draft_ids: list[int], start, issued_all, results) -> None:
    """One issuing process: wait for the others, issue its drafts (one transaction each),
    wait until every process has issued, then render its PDFs, as a request would after
    commit. Puts (issued at, PDFs stored at) on `results`, or the error."""
    try:
        connections.close_all()  # never the parent's connection: a fresh one per process
        actor = User.objects.get(pk=actor_id)
        drafts = list(Invoice.objects.filter(pk__in=draft_ids))
        start.wait()
        with override_settings(DEBUG=False), renders_deferred() as issued:
            for draft in drafts:
                services.invoice_issue(actor=actor, invoice=draft)
        issued_at = time.time()
        issued_all.wait()
        for invoice_id in issued:
            invoice_pdf_render(invoice_id)
        results.put((issued_at, time.time()))
    except Exception as exc:  # reported by the parent
        results.put(repr(exc))
        start.abort()
        issued_all.abort()
    finally:
        connections.close_all()


def bench_issuing_concurrent(*, count: int, issuers: int = 8, log=print) -> dict:
    """`issuers` processes issue `count` drafts between them at the same time, then render the
    PDFs. The rate is from the common start until the last issue committed; the PDFs are all
    stored when the last process has rendered its own."""
    actor = _actor()
    drafts = _drafts(actor, count)
    log(f"Issuing {count} invoices from {issuers} processes at once…")
    context = multiprocessing.get_context("fork")
    start, issued_all = context.Barrier(issuers + 1), context.Barrier(issuers)
    results = context.Queue()
    connections.close_all()  # a forked process must not share the parent's connection
    processes = [
        context.Process(
            target=_issuer,
            args=(actor.pk, [d.pk for d in drafts[i::issuers]], start, issued_all, results),
        )
        for i in range(issuers)
    ]
    for process in processes:
        process.start()
    start.wait(timeout=120)
    started = time.time()
    outcomes = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    errors = [outcome for outcome in outcomes if isinstance(outcome, str)]
    if errors:
        raise RuntimeError(f"An issuing process failed: {errors[0]}")
    issue_seconds = max(issued for issued, _stored in outcomes) - started
    stored_seconds = max(stored for _issued, stored in outcomes) - started
    issued = Invoice.objects.filter(pk__in=[d.pk for d in drafts])
    if issued.filter(Q(pdf="") | Q(pdf__isnull=True) | Q(number__isnull=True)).exists():
        raise RuntimeError("An invoice was left without its number or its PDF")
    return {
        "name": f"issuing_{issuers}_issuers",
        "database": connections["default"].vendor,
        "invoices": count,
        "issuers": issuers,
        "issue_seconds": round(issue_seconds, 3),
        "per_second": round(count / issue_seconds, 1),
        "all_pdfs_stored_seconds": round(stored_seconds, 3),
        "note": "one process per issuer; PDFs rendered by the issuing processes after all issued",
    }
