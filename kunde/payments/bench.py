"""Timing the import of a large OCR giro file: 100,000 payments against 100,000 open invoices.

`bench_payment_import` makes sure the database holds the invoices (bulk inserts, no lines or
PDFs), writes an OCR file paying them (90 % exact, 5 % partial, 3 % more than due, 2 % with a
KID no invoice has), and times parsing alone and the whole import (store, parse, check, match,
book). The import runs inside a transaction that is rolled back afterwards, so the invoices stay
open for the next run and the database does not grow; its stored file is deleted.
"""

import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.test import override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.company.kid import kid_rule
from kunde.company.models import Company
from kunde.customers.models import Customer
from kunde.demo.bench import planner_statistics_refresh
from kunde.invoices.models import Invoice, InvoiceSeries
from kunde.lib import kid as kid_lib
from kunde.lib.ocr_giro import parse_ocr_giro, payment_transaction, write_ocr_file
from kunde.payments.imports import payments_import
from kunde.payments.models import PaymentImport

MARKER = "bench:payment-import"  # your_reference of the invoices this bench adds
BENCH_CUSTOMERS = 1_000


def bench_payment_import(
    invoices: int = 100_000, *, runs: int = 3, log: Callable[[str], None] = print
) -> dict:
    """Time the import of an OCR file of `invoices` transactions against as many open invoices.

    Returns {"name": "payment_import", "seconds", "parse_seconds", "transactions_per_second",
    "transactions", "summary"}: `seconds` is the whole import, `parse_seconds` parsing alone,
    each the median of `runs` runs, with DEBUG off as in production.
    """
    actor = _bench_user()
    open_invoices = _bench_invoices_ensure(invoices, actor=actor, log=log)
    planner_statistics_refresh()
    data = _ocr_file(open_invoices)
    log(f"Timing the import of {len(open_invoices):,} OCR transactions ({len(data):,} bytes) ...")
    parse_times, import_times = [], []
    with override_settings(DEBUG=False):
        for _run in range(runs):
            started = time.perf_counter()
            parse_ocr_giro(data)
            parse_times.append(time.perf_counter() - started)
            seconds, summary = _import_rolled_back(data, actor)
            import_times.append(seconds)
    seconds = statistics.median(import_times)
    return {
        "name": "payment_import",
        "seconds": round(seconds, 3),
        "parse_seconds": round(statistics.median(parse_times), 3),
        "transactions_per_second": round(len(open_invoices) / seconds),
        "transactions": len(open_invoices),
        "summary": summary,
    }


def _import_rolled_back(data: bytes, actor) -> tuple[float, dict]:
    """Seconds for one whole import of `data`, and its summary; the import is undone after."""
    with transaction.atomic():
        started = time.perf_counter()
        record = payments_import(actor=actor, data=data, file_name="bench-ocr.txt")
        seconds = time.perf_counter() - started
        stored, summary = record.file.name, record.summary
        transaction.set_rollback(True)
    PaymentImport._meta.get_field("file").storage.delete(stored)
    return seconds, summary


def _bench_user() -> User:
    user = User.objects.filter(role__in=[Role.ADMIN, Role.FINANCE], is_active=True).first()
    if user is None:
        user = User.objects.create_user(
            username="bench-payments", role=Role.FINANCE, password=None, first_name="Bench"
        )
    return user


def _bench_customers() -> list[Customer]:
    customers = list(Customer.objects.order_by("pk")[:BENCH_CUSTOMERS])
    if customers:
        return customers
    first = (Customer.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    Customer.objects.bulk_create(
        Customer(
            number=first + i,
            name=f"Benkekunde {i + 1} AS",
            sort_name=f"benkekunde {i + 1} as",
            search_text=f"benkekunde {i + 1} as {first + i}",
        )
        for i in range(BENCH_CUSTOMERS)
    )
    return list(Customer.objects.order_by("pk")[:BENCH_CUSTOMERS])


def _bench_invoices_ensure(count: int, *, actor, log) -> list[tuple[str, int]]:
    """(KID, total) of `count` open bench invoices, adding the missing ones."""
    have = Invoice.objects.filter(your_reference=MARKER)
    missing = count - have.count()
    if missing > 0:
        log(f"Adding {missing:,} issued invoices with KIDs (bulk insert, no PDFs) ...")
        rule = kid_rule(Company.load())
        customers = _bench_customers()
        today = timezone.localdate()
        with transaction.atomic():
            series, _created = InvoiceSeries.objects.select_for_update().get_or_create(pk=1)
            first = max(
                series.next_number, (Invoice.objects.aggregate(n=Max("number"))["n"] or 0) + 1
            )
            batch = []
            for i in range(missing):
                number = first + i
                customer = customers[i % len(customers)]
                issued = today - timedelta(days=i % 60)
                total = 50_000 + (i * 7919) % 2_000_000
                batch.append(
                    Invoice(
                        kind="invoice",
                        status="issued",
                        number=number,
                        customer=customer,
                        issue_date=issued,
                        due_date=issued + timedelta(days=14),
                        your_reference=MARKER,
                        kid=kid_lib.make_kid(
                            rule, invoice_number=number, customer_number=customer.number
                        ),
                        net_ore=total * 4 // 5,
                        vat_ore=total - total * 4 // 5,
                        total_ore=total,
                        created_by=actor,
                        issued_by=actor,
                        issued_at=timezone.now(),
                    )
                )
                if len(batch) == 5000:
                    Invoice.objects.bulk_create(batch)
                    batch = []
            Invoice.objects.bulk_create(batch)
            series.next_number = first + missing
            series.save()
    return list(have.order_by("pk").values_list("kid", "total_ore")[:count])


def _ocr_file(invoices: list[tuple[str, int]]) -> bytes:
    """Payments for the invoices: per 100, 90 exact, 5 partial, 3 over and 2 unknown KIDs."""
    rule = kid_rule(Company.load())
    day = timezone.localdate()
    transactions = []
    for i, (kid, total) in enumerate(invoices):
        share = i % 100
        if share < 90:
            amount = total
        elif share < 95:
            amount = total // 2
        elif share < 98:
            amount = total + 10_000
        else:
            amount = total
            kid = _unknown_kid(rule, i)
        transactions.append(payment_transaction(i + 1, day, amount, kid))
    return write_ocr_file(
        tuple(transactions),
        transmission_number=f"{int(time.time()) % 10_000_000:07d}",
        assignment_number="0000001",
    )


def _unknown_kid(rule: kid_lib.KidRule, i: int) -> str:
    """A KID with a valid check digit that no invoice has (an invoice number far above)."""
    top = 10**rule.invoice_digits - 1
    return kid_lib.make_kid(rule, invoice_number=top - i, customer_number=0)
