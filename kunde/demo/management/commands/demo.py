from django.core.management.base import BaseCommand, CommandError

from kunde.demo.files import demo_files_create
from kunde.demo.firm import PASSWORD
from kunde.demo.generator import DemoDataPresent, demo_data_create
from kunde.demo.invoicing import demo_invoices_create
from kunde.demo.payments import demo_payments_create
from kunde.offers.demo import demo_offers_create
from kunde.stats.summary import summary_rebuild


class Command(BaseCommand):
    help = (
        "Fill the configured database with believable Norwegian demo data: users (admin, "
        f"finance, manager, reader and more employees, all with the password '{PASSWORD}'), "
        "our company, tags, customers with contacts, notes and activity, and projects with hours "
        "and expenses. The same --seed gives the same data. On a database that already has "
        "customers nothing is added, unless --append asks for more customers after the highest "
        "number."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=300, help="How many customers (default 300)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Seed for the random choices (default 1)."
        )
        parser.add_argument(
            "--invoices",
            type=int,
            default=400,
            help="At most this many invoices from the demo hours, issued with their PDFs "
            "(default 400; 0 for none).",
        )
        parser.add_argument(
            "--files",
            type=int,
            default=20,
            help="How many of the first customers get demo files: an agreement PDF, a logo and "
            "a spreadsheet (default 20; 0 for none).",
        )
        parser.add_argument(
            "--offers",
            type=int,
            default=24,
            help="How many of the first customers get a demo offer, in every status in turn, "
            "some accepted into projects with hours (default 24; 0 for none).",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add the customers, numbered after the highest, to a database that already "
            "has customers.",
        )

    def handle(
        self,
        *args,
        customers: int,
        seed: int,
        invoices: int,
        files: int,
        append: bool,
        offers: int = 24,
        **options,
    ):
        if customers < 1:
            raise CommandError("--customers must be at least 1.")
        try:
            summary = demo_data_create(
                customers=customers, seed=seed, append=append, log=self.stdout.write
            )
        except DemoDataPresent as exc:
            self.stdout.write(
                f"Demo data already present ({exc.customers} customers); nothing added. "
                "Use --append to add more."
            )
            return
        issued = demo_invoices_create(seed=seed, limit=invoices, log=self.stdout.write)
        payments = demo_payments_create(seed=seed, log=self.stdout.write) if issued else 0
        files = demo_files_create(seed=seed, customers=files, log=self.stdout.write) if files else 0
        offers = demo_offers_create(seed=seed, customers=offers, log=self.stdout.write)
        # The demo writes hours and invoices in bulk, past the services that keep the summary.
        summary_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {summary.customers:,} customers, {summary.contacts:,} contacts, "
                f"{summary.notes:,} notes, {summary.projects:,} projects, "
                f"{summary.time_entries:,} time entries, {summary.expenses:,} expenses, "
                f"{issued:,} invoices and credit notes and {payments:,} payments "
                f"in {summary.seconds:.1f} s, {files:,} customer files and {offers:,} offers. "
                "Sign in as admin, "
                f"finance, manager or reader with the password {PASSWORD}."
            )
        )
