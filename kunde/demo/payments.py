"""Payments for the demo invoices, booked the way a firm receives them: a Nets OCR giro file per
month matched by KID, a camt.054 file with payments nobody could match, and a few entered by
hand. So the ledger tabs, the payment states and the unmatched list all have something to show.

Most invoices due more than a month ago are paid exactly, some partly, a few twice or with too
much (customer credit); some old ones are left overdue and the recent ones open. Uses the real
import and services.
"""

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from kunde.lib.camt054 import (
    Camt054AccountNotification,
    Camt054Entry,
    Camt054Notification,
    Camt054Transaction,
    CreditorReference,
)
from kunde.lib.camt054_writer import write_camt054
from kunde.lib.ocr_giro import payment_transaction, write_ocr_file
from kunde.payments import services
from kunde.payments.imports import payments_import
from kunde.payments.matching import open_amounts
from kunde.payments.models import Payment

PAYERS = [
    ("Kari Nordmann", "Innbetaling"),
    ("Berg & Sønner AS", "Betaling for konsulenttimer"),
    ("PER HANSEN", "Faktura"),
    ("Nordlys Eiendom AS", "Akonto oktober"),
    ("Ukjent betaler", "Overføring"),
]


def demo_payments_create(*, seed: int, log: Callable[[str], None] = print) -> int:
    """Book payments for the issued demo invoices; returns how many payment rows were written.
    Does nothing when there are payments already or no invoices."""
    if Payment.objects.exists():
        return 0
    finance = User.objects.filter(role=Role.FINANCE, is_active=True).order_by("pk").first()
    invoices = list(
        Invoice.objects.filter(status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)
        .exclude(kid=None)
        .order_by("issue_date", "number")
    )
    if finance is None or not invoices:
        return 0
    rng = random.Random(f"kunde-demo-payments:{seed}")
    today = timezone.localdate()
    open_ore = open_amounts([i.pk for i in invoices])
    by_month: dict[date, list[tuple[date, int, str]]] = defaultdict(list)
    manual = []
    for invoice in invoices:
        amount = open_ore[invoice.pk]
        plan = _plan(rng, invoice, amount, today)
        for day, paid in plan:
            if rng.random() < 0.06 and paid == amount:
                manual.append((invoice, day, paid))
            else:
                by_month[day.replace(day=1)].append((day, paid, invoice.kid))
    log(f"Booking demo payments for {len(invoices)} invoices ...")
    for number, (month, payments) in enumerate(sorted(by_month.items()), start=1):
        payments_import(
            actor=finance,
            data=_ocr_file(number, sorted(payments)),
            file_name=f"OCR.{month:%Y%m}.txt",
        )
    for invoice, day, paid in manual:
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=paid, date=day, method="bank"
        )
    _unmatched(rng, finance, invoices, today)
    count = Payment.objects.count()
    log(f"  {count} payments booked ({len(by_month)} OCR files, one camt.054 file).")
    return count


def _plan(rng: random.Random, invoice: Invoice, amount: int, today: date) -> list:
    """(date, øre) of the payments for one invoice."""
    if amount <= 0:
        return []  # credited in full
    due = invoice.due_date
    if due > today - timedelta(days=10):
        # Recent: mostly still open, some paid early.
        if rng.random() < 0.3:
            return [(min(today, invoice.issue_date + timedelta(days=rng.randint(2, 10))), amount)]
        return []
    roll = rng.random()
    paid_on = min(today, due + timedelta(days=rng.choice([-3, -1, 0, 0, 1, 2, 5, 12, 25])))
    if roll < 0.78:
        return [(paid_on, amount)]
    if roll < 0.86:  # partly paid, the rest still open
        return [(paid_on, amount // 2 // 100 * 100 or 1)]
    if roll < 0.90:  # paid in two instalments
        first = amount // 2
        return [(paid_on, first), (min(today, paid_on + timedelta(days=30)), amount - first)]
    if roll < 0.93:  # paid too much, or paid twice: customer credit
        if rng.random() < 0.5:
            return [(paid_on, amount + rng.choice([10_000, 25_000, 50_000]))]
        return [(paid_on, amount), (min(today, paid_on + timedelta(days=3)), amount)]
    return []  # never paid: overdue


def _ocr_file(number: int, payments: list[tuple[date, int, str]]) -> bytes:
    transactions = tuple(
        payment_transaction(i, day, amount, kid, serial_number=f"{i % 100_000:05d}")
        for i, (day, amount, kid) in enumerate(payments, start=1)
    )
    return write_ocr_file(
        transactions, transmission_number=f"{number:07d}", assignment_number=f"{number:07d}"
    )


def _unmatched(rng: random.Random, actor, invoices: list[Invoice], today: date) -> None:
    """One camt.054 file with payments that match no KID: no KID, a mistyped one, and one whose
    text names an open invoice's number, so the suggestions have something to find."""
    open_ore = open_amounts([i.pk for i in invoices])
    still_open = [i for i in invoices if open_ore[i.pk] > 0]
    target = rng.choice(still_open) if still_open else None
    transactions = []
    for n, (payer, text) in enumerate(PAYERS):
        amount = rng.choice([125_000, 48_750, 300_000, 9_900, 62_500])
        reference = ()
        if n == 2 and target is not None:
            text, amount = f"Faktura {target.number}", open_ore[target.pk]
        if n == 1:
            reference = (CreditorReference("SCOR", "1234567897"),)  # a KID nobody has
        transactions.append(
            Camt054Transaction(
                amount=Decimal(amount) / 100,
                currency="NOK",
                credit_debit="CRDT",
                account_servicer_reference=f"DEMO-TX-{n + 1}",
                debtor_name=payer,
                creditor_references=reference,
                remittance_texts=(text,),
            )
        )
    day = today - timedelta(days=2)
    entry = Camt054Entry(
        amount=sum((t.amount for t in transactions), Decimal(0)),
        currency="NOK",
        credit_debit="CRDT",
        status="BOOK",
        transactions=tuple(transactions),
        booking_date=day,
        account_servicer_reference="DEMO-ENTRY-1",
    )
    document = Camt054Notification(
        message_id=f"DEMO-CAMT-{day:%Y%m%d}",
        created_at=datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC),
        version="001.04",
        notifications=(
            Camt054AccountNotification(
                id="DEMO-1",
                account_iban="NO9386011117947",
                account_other_id=None,
                currency="NOK",
                entries=(entry,),
            ),
        ),
    )
    payments_import(actor=actor, data=write_camt054(document), file_name="camt054-demo.xml")
