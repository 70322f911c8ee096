"""`kunde stats-rebuild`: make the tables the key statistics read again from their sources: the
hours summary from the time entries (after loading entries outside the services), and the
tables the database keeps by triggers (open amounts, documents and payments per month; they are
made again after every `migrate` that applied a migration). Safe to run at any time: one
transaction."""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kunde.lib.derived_tables import REGISTRY
from kunde.stats.summary import summary_rebuild


class Command(BaseCommand):
    help = "Rebuild the tables the key statistics read (hours summary, open amounts, months)."

    def handle(self, *args, **options):
        with transaction.atomic():
            rows = summary_rebuild()
            for derived in REGISTRY:
                derived.rebuild(connection)
        self.stdout.write(f"Hours summary rebuilt: {rows} row(s); open amounts and months too.")
