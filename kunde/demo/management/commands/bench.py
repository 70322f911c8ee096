import json
from itertools import chain
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kunde.demo.bench import (
    _time_get,
    bench_data_ensure,
    bench_invoices_ensure,
    bench_payments_ensure,
    bench_run,
)
from kunde.demo.benchdb import bench_database_path, bench_size
from kunde.ehf.bench import bench_ehf
from kunde.files.bench import files_bench
from kunde.invoices.bench import bench_issuing
from kunde.jobs.bench import bench_jobs
from kunde.merges.bench import bench_merge
from kunde.offers.bench import offers_bench
from kunde.payments.bench import bench_payment_import
from kunde.projects.bench import bench_projects
from kunde.stats.bench import bench_stats, bench_stats_ensure


class Command(BaseCommand):
    help = (
        "Time the customer profile, the customer list with and without a search, "
        "previous/next, the invoices tab of a customer with 20,000 invoices, the files tab of a "
        "customer with 10,000 files, the upload and download of a 50 MB file, and the import of "
        "an OCR file of 100,000 payments, on 100,000 demo customers (5,000 with --quick), and "
        "last the Key statistics tab of a customer with 200,000 time entries (only it: --stats). "
        "Prints one JSON object "
        "per line: name, median_ms, queries (of one request), n, and the data sizes; pages "
        "are timed with DEBUG off, as in production. "
        "Without DATABASE_URL the bench uses its own SQLite file, var/bench-100000.sqlite3 "
        "(var/bench-5000.sqlite3 with --quick), builds the demo data there once (seed 1) and "
        "reuses it on later runs. With DATABASE_URL (for example PostgreSQL) it migrates that "
        "database and measures on its data as it is; only an empty database gets the demo "
        "data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick", action="store_true", help="Measure on 5,000 customers instead of 100,000."
        )
        parser.add_argument(
            "--n", type=int, default=30, help="Timed requests per measurement (default 30)."
        )
        parser.add_argument(
            "--warmup", type=int, default=5, help="Untimed requests before (default 5)."
        )
        parser.add_argument(
            "--ehf", action="store_true", help="Only the EHF figures (no database needed)."
        )
        parser.add_argument(
            "--projects",
            action="store_true",
            help="Only the projects figures: the CSV import of 100,000 time entries (10,000 "
            "with --quick), the approvals page over those open hours and an invoice draft from "
            "10,000 approved hours; rolled back after.",
        )
        parser.add_argument(
            "--offers",
            action="store_true",
            help="Only the offers figures: the Offers tab of a customer with 5,000 offers and "
            "offer PDFs per second (adds its own offers; no demo data needed).",
        )
        parser.add_argument(
            "--stats",
            action="store_true",
            help="Only the Key statistics figures (the large customer's tab against plain SQL).",
        )
        parser.add_argument(
            "--merge",
            action="store_true",
            help="Only the merge figures: merge and undo of a large customer, the duplicates page.",
        )
        parser.add_argument(
            "--jobs",
            action="store_true",
            help="Only the background jobs' figures: issuing rate (one process, and 8 at "
            "once), enqueue-to-start latency, no-op jobs/s with 1 and 2 workers, the OCR import "
            "queued against direct.",
        )
        parser.add_argument(
            "--noop-jobs",
            type=int,
            help="With --jobs: no-op jobs per throughput run (default 10,000; 200 with --quick).",
        )
        parser.add_argument(
            "--import-transactions",
            type=int,
            help="With --jobs: OCR transactions of the queued-against-direct import (default "
            "100,000; 2,000 with --quick).",
        )

    def handle(
        self,
        *args,
        quick: bool,
        n: int,
        warmup: int,
        ehf: bool = False,
        projects: bool = False,
        offers: bool = False,
        **options,
    ):
        merge = options.get("merge", False)
        jobs = options.get("jobs", False)

        def log(message):
            self.stderr.write(message, style_func=str)

        if n < 1 or warmup < 0:
            raise CommandError("--n must be at least 1 and --warmup at least 0.")
        if ehf:
            self.stdout.write(json.dumps(bench_ehf(n=n), ensure_ascii=False))
            return
        if jobs:
            call_command("migrate", verbosity=0)
            sizes = {
                "noop_jobs": options.get("noop_jobs"),
                "import_transactions": options.get("import_transactions"),
            }
            if any(size is not None and size < 1 for size in sizes.values()):
                raise CommandError("--noop-jobs and --import-transactions must be at least 1.")
            for row in bench_jobs(quick=quick, log=log, **sizes):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        if projects:
            call_command("migrate", verbosity=0)
            for row in bench_projects(rows=10_000 if quick else 100_000, log=log):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        database = settings.DATABASES["default"]
        own = database["ENGINE"] == "django.db.backends.sqlite3" and (
            Path(str(database["NAME"])).resolve() == bench_database_path(quick).resolve()
        )
        call_command("migrate", verbosity=0)
        if offers:
            for row in offers_bench(time_get=_time_get, n=n, warmup=warmup, log=log):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        # Progress goes to stderr: stdout carries only the JSON lines.
        bench_data_ensure(
            customers=bench_size(quick),
            own_database=own,
            log=lambda message: self.stderr.write(message, style_func=str),
        )
        if merge:
            for row in bench_merge(quick=quick, n=min(n, 3), log=log):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        bench_invoices_ensure(log=lambda message: self.stderr.write(message, style_func=str))
        bench_payments_ensure(log=lambda message: self.stderr.write(message, style_func=str))
        if options.get("stats"):
            bench_stats_ensure(log=log)
            for row in bench_stats(n=n, warmup=warmup):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        for row in bench_run(n=n, warmup=warmup):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        for row in files_bench(n=n, warmup=warmup, log=log):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        # The import runs in a transaction that is rolled back: the invoices stay open.
        payment_import = bench_payment_import(
            invoices=5_000 if quick else 100_000,
            log=lambda message: self.stderr.write(message, style_func=str),
        )
        payment_import.pop("summary")
        payment_import["goal_seconds"] = 10
        payment_import["goal_times_parse"] = 2
        payment_import["times_parse"] = round(
            payment_import["seconds"] / payment_import["parse_seconds"], 2
        )
        self.stdout.write(json.dumps(payment_import, ensure_ascii=False))
        issuing = bench_issuing(
            count=300 if quick else 1000,
            log=lambda message: self.stderr.write(message, style_func=str),
        )
        self.stdout.write(json.dumps(issuing, ensure_ascii=False))
        self.stdout.write(json.dumps(bench_ehf(), ensure_ascii=False))
        for row in offers_bench(time_get=_time_get, n=n, warmup=warmup, log=log):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        # The Key statistics tab of the large customer (adds its 200,000 time entries once).
        bench_stats_ensure(log=log)
        for row in bench_stats(n=n, warmup=warmup):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        # The other parts' figures, each on data of its own that is rolled back or removed after.
        for row in chain(
            bench_projects(rows=10_000 if quick else 100_000, log=log),
            bench_merge(quick=quick, n=min(n, 3), log=log),
            bench_jobs(quick=quick, log=log),
        ):
            self.stdout.write(json.dumps(row, ensure_ascii=False))
