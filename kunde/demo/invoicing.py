"""A believable invoicing history for the demo customers: project hours invoiced per quarter
over the last two years, some credited, older ones transferred to accounting, each delivered by
the customer's preferred channel.

Uses the real services (draft from hours, issue with a date, credit note), so numbers are gapless
and follow the dates, and every invoice has its stored PDF.
"""

import heapq
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.invoices import services
from kunde.invoices.models import (
    DeliveryAttempt,
    ExportStatus,
    Invoice,
    InvoiceStatus,
)
from kunde.invoices.pdf import invoice_pdf_render, renders_deferred
from kunde.projects.models import Project, TimeEntry


def _quarter_end(day: date) -> date:
    first_of_next = date(day.year + (day.month > 9), (((day.month - 1) // 3 + 1) * 3) % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _periods(today: date) -> list[tuple[date, int]]:
    """(quarter end, project id) for every quarter with approved, billable, uninvoiced hours that
    ended at least a week ago, oldest first so that numbers follow the dates."""
    entries = TimeEntry.objects.filter(
        billable=True, approved=True, invoice_line__isnull=True, date__lt=today - timedelta(days=7)
    ).values_list("project_id", "date")
    periods = {(_quarter_end(day), project_id) for project_id, day in entries}
    return sorted(p for p in periods if p[0] <= today - timedelta(days=7))


def demo_invoices_create(*, seed: int, limit: int, log: Callable[[str], None] = print) -> int:
    """Issue up to `limit` invoices from the demo hours; returns how many were issued."""
    if Invoice.objects.exists() or limit <= 0:
        return 0
    rng = random.Random(f"kunde-demo-invoices:{seed}")
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("pk").first()
    if finance is None:
        return 0
    today = timezone.localdate()
    periods = _periods(today)
    if len(periods) > limit:
        periods = sorted(rng.sample(periods, limit))
    projects = Project.objects.select_related("customer").in_bulk({p for _, p in periods})
    # Events in date order (a heap), so that numbers follow the dates also when a credit note
    # comes between two invoices: (date, order, kind, payload).
    events = [
        (min(end + timedelta(days=rng.randint(1, 6)), today), i, "invoice", (end, project_id))
        for i, (end, project_id) in enumerate(periods)
    ]
    heapq.heapify(events)
    issued = []
    log(f"Issuing up to {len(periods)} demo invoices ...")
    # The PDFs are rendered once all is committed, as after any issue (invoices.pdf).
    with renders_deferred() as to_render, transaction.atomic():
        while events:
            day, order, kind, payload = heapq.heappop(events)
            if kind == "credit":
                issued.append(_credit(rng, finance, payload, day))
                continue
            quarter_end, project_id = payload
            project = projects[project_id]
            try:
                draft = services.invoice_draft_create(
                    actor=finance,
                    customer=project.customer,
                    project=project,
                    from_project_hours=True,
                    until=quarter_end,
                )
            except ValidationError:  # no hours waiting this quarter: no draft is made
                continue
            if not (draft.order_reference or draft.your_reference):
                # EHF needs a buyer reference (PEPPOL-EN16931-R003): the customer's project no.
                draft.order_reference = f"P-{project.number}"
                draft.save(update_fields=["order_reference"])
            invoice = services.invoice_issue(actor=finance, invoice=draft, issue_date=day)
            issued.append(invoice)
            if rng.random() < 0.08:
                credit_day = min(day + timedelta(days=rng.randint(3, 20)), today)
                heapq.heappush(events, (credit_day, order, "credit", invoice))
        _deliveries(issued, finance)
        # Older documents have reached the accounting system; a few are kept out of it.
        cutoff = today - timedelta(days=45)
        Invoice.objects.filter(status=InvoiceStatus.ISSUED, issue_date__lt=cutoff).update(
            export_status=ExportStatus.TRANSFERRED, exported_at=timezone.now()
        )
        for invoice in rng.sample(issued, max(1, len(issued) // 100)) if issued else []:
            Invoice.objects.filter(pk=invoice.pk).update(export_status=ExportStatus.DO_NOT_TRANSFER)
    for invoice_id in to_render:
        invoice_pdf_render(invoice_id)
    log(f"  {len(issued)} invoices and credit notes issued.")
    return len(issued)


def _credit(rng: random.Random, actor, invoice: Invoice, day: date) -> Invoice:
    """A whole credit note (a mistaken invoice) or one line partly credited (a goodwill cut)."""
    if rng.random() < 0.5:
        draft = services.credit_note_create(actor=actor, invoice=invoice, reopen_hours=False)
    else:
        line = invoice.lines.first()
        quantity = (line.quantity / 2).quantize(Decimal("0.001"))
        draft = services.credit_note_create(
            actor=actor, invoice=invoice, lines=[{"line": line.pk, "quantity": quantity}]
        )
    return services.invoice_issue(actor=actor, invoice=draft, issue_date=day)


def _deliveries(documents: list[Invoice], actor) -> None:
    """Each document went out by its customer's preferred channel (EHF by e-mail until the
    e-invoicing feature exists)."""
    attempts = []
    for document in documents:
        customer = document.customer
        channel = "letter" if customer.invoice_delivery == "letter" else "email"
        attempts.append(
            DeliveryAttempt(
                invoice=document,
                channel=channel,
                recipient="" if channel == "letter" else customer.invoice_recipient,
                result="printed" if channel == "letter" else "sent",
                note="EHF is not available yet; sent by e-mail"
                if customer.invoice_delivery == "ehf"
                else "",
                actor=actor,
                finished_at=timezone.now(),
            )
        )
    DeliveryAttempt.objects.bulk_create(attempts)
