"""`kunde bench --projects`: the CSV import of time entries (rows per second), the approvals page
over those open hours, and an invoice draft from a project with 10,000 approved hours (half of
them on activities). Everything it makes is rolled back afterwards."""

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from kunde.accounts.models import Role, User
from kunde.customers.models import Customer
from kunde.projects.csv_import import time_entries_import
from kunde.projects.models import Project, ProjectActivity, TimeEntry
from kunde.projects.services import cost_rate_set

EMPLOYEES = 20
DRAFT_HOURS = 10_000
DRAFT_GOAL_SECONDS = 1.0


class _Rollback(Exception):
    pass


def _setup(actor) -> tuple[Project, list[User]]:
    customer = Customer.objects.order_by("pk").first()
    if customer is None:
        from kunde.customers.services import customer_create

        customer = customer_create(actor=actor, data={"name": "Bench Prosjekt AS"})
    number = (Project.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    project = Project.objects.create(
        number=number,
        name="Bench",
        customer=customer,
        manager=actor,
        hourly_rate_ore=125000,
    )
    employees = [
        User.objects.create_user(username=f"bench-hours-{k}", role=Role.ACCOUNT_MANAGER)
        for k in range(EMPLOYEES)
    ]
    for employee in employees:
        cost_rate_set(
            actor=actor, employee=employee, valid_from=dt.date(2000, 1, 1), rate_ore=60000
        )
    return project, employees


def _csv(rows: int, project: Project, employees: list[User]) -> bytes:
    """Four entries of at most two hours a day per employee, back from yesterday."""
    rng = random.Random(1)
    start = timezone.localdate() - dt.timedelta(days=1)
    lines = ["date,employee,project,hours,description,billable"]
    for k in range(rows):
        employee = employees[k % EMPLOYEES]
        day = start - dt.timedelta(days=k // (EMPLOYEES * 4))
        minutes = rng.choice((30, 45, 60, 90, 120))
        lines.append(
            f"{day.isoformat()},{employee.username},{project.number},"
            f"{minutes // 60}:{minutes % 60:02d},Arbeid {k},{'yes' if k % 7 else 'no'}"
        )
    return ("\n".join(lines) + "\n").encode()


def _actor() -> User:
    actor = User.objects.filter(role=Role.ADMIN, is_active=True).first()
    return actor or User.objects.create_user(username="bench-projects", role=Role.ADMIN)


def bench_projects(*, rows: int = 100_000, log: Callable[[str], None] = print) -> list[dict]:
    results = []
    with override_settings(DEBUG=False):
        try:
            with transaction.atomic():
                actor = _actor()
                project, employees = _setup(actor)
                data = _csv(rows, project, employees)
                log(f"Timing the CSV import of {rows:,} time entries ({len(data):,} bytes) ...")
                started = time.perf_counter()
                preview = time_entries_import(actor=actor, data=data, dry_run=True)
                check_seconds = time.perf_counter() - started
                started = time.perf_counter()
                result = time_entries_import(actor=actor, data=data)
                seconds = time.perf_counter() - started
                assert result.ok and result.imported == rows, result.errors[:3]
                assert preview.ok
                results.append(
                    {
                        "name": "time_entries_csv_import",
                        "rows": rows,
                        "seconds": round(seconds, 3),
                        "rows_per_second": round(rows / seconds),
                        "preview_seconds": round(check_seconds, 3),
                    }
                )
                results.append(_approvals_page(actor, rows, log))
                results.append(_draft(actor, project, employees, log))
                raise _Rollback
        except _Rollback:
            pass
    return results


def _draft(actor, project: Project, employees: list[User], log) -> dict:
    """An invoice draft from 10,000 approved hours (one-hour entries) on a fresh project."""
    from kunde.invoices.services import invoice_draft_create

    draft_project = Project.objects.create(
        number=project.number + 1,
        name="Bench draft",
        customer=project.customer,
        manager=actor,
        hourly_rate_ore=125000,
    )
    activity = ProjectActivity.objects.create(
        project=draft_project, name="Utvikling", estimated_minutes=600_000, rate_ore=140000
    )
    start = timezone.localdate() - dt.timedelta(days=1)
    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                project=draft_project,
                activity=activity if k % 2 else None,
                employee=employees[k % EMPLOYEES],
                date=start - dt.timedelta(days=k // EMPLOYEES),
                minutes=60,
                description=f"Arbeid {k}",
                approved=True,
                sales_rate_ore=125000,
                cost_rate_ore=60000,
            )
            for k in range(DRAFT_HOURS)
        ],
        batch_size=2000,
    )
    log(f"Timing an invoice draft from {DRAFT_HOURS:,} approved hours ...")
    times = []
    for _run in range(3):
        sid = transaction.savepoint()
        started = time.perf_counter()
        invoice_draft_create(
            actor=actor, customer=project.customer, project=draft_project, from_project_hours=True
        )
        times.append(time.perf_counter() - started)
        transaction.savepoint_rollback(sid)
    seconds = statistics.median(times)
    return {
        "name": "invoice_draft_from_project_hours",
        "hours": DRAFT_HOURS,
        "median_seconds": round(seconds, 3),
        "goal_seconds": DRAFT_GOAL_SECONDS,
        "met": seconds <= DRAFT_GOAL_SECONDS,
    }


APPROVALS_RUNS = 5


def _approvals_page(actor, open_entries: int, log) -> dict:
    """The approvals page (/projects/approvals/) of finance over the imported open hours, as a
    signed-in browser gets it: median of five."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(actor)
    log(f"Timing the approvals page over {open_entries:,} open time entries ...")
    times = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for _run in range(APPROVALS_RUNS):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/projects/approvals/")
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return {
        "name": "approvals_page",
        "open_entries": open_entries,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "queries": len(queries),
    }
