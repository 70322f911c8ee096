"""`kunde bench --merge`: merging a customer with 20,000 invoices, 18,000 payments, 100,000
time entries and 1,000 files into another, its undo, and the duplicates page.

The two customers and their rows are written in a transaction that is rolled back at the end:
the bench database keeps nothing. Sizes are a tenth with --quick."""

import statistics
import time
import warnings
from datetime import date, timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.files.models import CustomerFile
from kunde.invoices.models import Invoice
from kunde.merges.services import customer_merge, merge_undo
from kunde.payments.models import Payment
from kunde.projects.models import Project, TimeEntry

GOAL_MERGE_MS = 1000
GOAL_DUPLICATES_MS = 500


class _Rollback(Exception):
    pass


def _build(scale: int, admin: User) -> tuple[Customer, Customer, dict]:
    sizes = {
        "invoices": 20_000 // scale,
        "payments": 18_000 // scale,
        "time_entries": 100_000 // scale,
        "files": 1_000 // scale,
    }
    top = Customer.objects.order_by("-number").values_list("number", flat=True).first() or 0
    survivor = Customer.objects.create(number=top + 1, name="Benk Sammenslåing AS")
    merged = Customer.objects.create(number=top + 2, name="Benk Sammenslåing A/S")
    first_number = (
        Invoice.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    day = date(2026, 1, 1)
    Invoice.objects.bulk_create(
        (
            Invoice(
                customer=merged,
                status="issued",
                number=first_number + i,
                issue_date=day,
                due_date=day + timedelta(days=14),
                total_ore=100_000,
                created_by=admin,
                issued_by=admin,
                issued_at=timezone.now(),
            )
            for i in range(sizes["invoices"])
        ),
        batch_size=2000,
    )
    invoice_ids = list(Invoice.objects.filter(customer=merged).values_list("pk", flat=True))
    Payment.objects.bulk_create(
        (
            Payment(
                customer=merged,
                invoice_id=invoice_ids[i % len(invoice_ids)],
                amount_ore=100_000,
                date=day,
                method="bank",
                match_rule="manual",
            )
            for i in range(sizes["payments"])
        ),
        batch_size=2000,
    )
    project = Project.objects.create(
        number=(Project.objects.order_by("-number").values_list("number", flat=True).first() or 0)
        + 1,
        name="Benk",
        customer=merged,
        manager=admin,
    )
    TimeEntry.objects.bulk_create(
        (
            TimeEntry(project=project, employee=admin, date=day, minutes=60, sales_rate_ore=100_000)
            for _ in range(sizes["time_entries"])
        ),
        batch_size=5000,
    )
    now = timezone.now()
    CustomerFile.objects.bulk_create(
        CustomerFile(
            customer=merged,
            file=f"bench-merge/{merged.pk}-{i}.pdf",
            name=f"{i}.pdf",
            size=1,
            sha256="0" * 64,
            content_type="application/pdf",
            uploaded_by=admin,
            uploaded_at=now,
        )
        for i in range(sizes["files"])
    )
    return survivor, merged, sizes


def bench_merge(*, quick: bool, n: int = 3, log=print) -> list[dict]:
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        raise RuntimeError("The bench needs an active user with the admin role.")
    rows = []
    merge_ms, undo_ms = [], []
    try:
        with transaction.atomic():
            log("merge bench: writing the rows of a customer to merge")
            survivor, merged, sizes = _build(10 if quick else 1, admin)
            for _ in range(n):
                started = time.perf_counter()
                record = customer_merge(actor=admin, survivor=survivor, merged=merged)
                merge_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                merge_undo(actor=admin, record=record)
                undo_ms.append((time.perf_counter() - started) * 1000)
                survivor.refresh_from_db()
                merged.refresh_from_db()
            raise _Rollback
    except _Rollback:
        pass
    common = {"database": connection.vendor, **sizes, "n": n}
    rows.append(
        {"name": "merge", "median_ms": _median(merge_ms), "goal_ms": GOAL_MERGE_MS, **common}
    )
    rows.append(
        {"name": "merge_undo", "median_ms": _median(undo_ms), "goal_ms": GOAL_MERGE_MS, **common}
    )
    client = Client()
    client.force_login(admin)
    timings = []
    with (
        override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", message="No directory at")
        for i in range(n + 1):
            started = time.perf_counter()
            response = client.get("/customers/duplicates/")
            if i:  # the first is the warm-up
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"The duplicates page answered {response.status_code}.")
    rows.append(
        {
            "name": "duplicates_page",
            "median_ms": _median(timings),
            "goal_ms": GOAL_DUPLICATES_MS,
            "customers": Customer.objects.count(),
            "n": n,
        }
    )
    return rows


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)
