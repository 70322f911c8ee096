"""`kunde purge-files`: remove uploads deleted longer ago than FILES_RETENTION_DAYS."""

from django.core.management.base import BaseCommand

from kunde.files.services import files_purge
from kunde.jobs.downloads import downloads_purge


class Command(BaseCommand):
    help = (
        "Remove for good (row and bytes) the uploaded files deleted more than "
        "FILES_RETENTION_DAYS ago, and the files of large downloads older than "
        "DOWNLOADS_KEEP_HOURS. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help="Retention in days (default: FILES_RETENTION_DAYS)."
        )

    def handle(self, *args, **options):
        purged = files_purge(retention_days=options["days"])
        self.stdout.write(f"{purged} deleted files purged.")
        self.stdout.write(f"{downloads_purge()} expired downloads removed.")
