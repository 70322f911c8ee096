"""`kunde stats-rebuild`: make the hours summary of the key statistics again from the time
entries (after upgrading to a version with the summary, after loading entries outside the
services, or as a repair). Safe to run at any time: one transaction."""

from django.core.management.base import BaseCommand

from kunde.stats.summary import summary_rebuild


class Command(BaseCommand):
    help = "Rebuild the hours summary of the key statistics from the time entries."

    def handle(self, *args, **options):
        rows = summary_rebuild()
        self.stdout.write(f"Hours summary rebuilt: {rows} row(s).")
