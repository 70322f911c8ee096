"""`kunde bench`: the issuing rate in one process, with the PDFs rendered after, and the time
until every PDF is stored.

Each issue is committed on its own, as a request commits it; the PDF renders are deferred
(`invoices.pdf.renders_deferred`, as a task queue defers them) and run after the last issue.
The documents stay: issued documents are never deleted. They go to one bench customer.
"""

import time

from django.db import transaction

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.invoices import services
from kunde.invoices.pdf import invoice_pdf_render, renders_deferred

BENCH_CUSTOMER = "Bench Utstedelse AS"
GOAL_PER_SECOND = 300


def _customer(actor) -> Customer:
    customer = Customer.objects.filter(name=BENCH_CUSTOMER).first()
    if customer is None:
        from kunde.customers.services import customer_create

        customer = customer_create(actor=actor, data={"name": BENCH_CUSTOMER})
    return customer


def bench_issuing(*, count: int = 500, log=print) -> dict:
    actor = User.objects.filter(role__in=[Role.ADMIN, Role.FINANCE], is_active=True).first()
    if actor is None:
        raise RuntimeError("The issuing bench needs an active administrator or finance user.")
    customer = _customer(actor)
    log(f"Issuing {count} invoices…")
    with transaction.atomic():
        drafts = [
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
    with renders_deferred() as issued:
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
        "invoices": count,
        "issue_seconds": round(issue_seconds, 3),
        "per_second": round(count / issue_seconds, 1),
        "goal_per_second": GOAL_PER_SECOND,
        "met": count / issue_seconds >= GOAL_PER_SECOND,
        "pdf_seconds": round(render_seconds, 3),
        "pdfs_per_second": round(count / render_seconds, 1),
        "all_pdfs_stored_seconds": round(issue_seconds + render_seconds, 3),
    }
