"""`kunde export-accounting --out DIR`: run the export to accounting and copy its files.

The file name has a dash because Django names a command after its module, and the command is
`export-accounting`; Django imports it with `importlib.import_module`, which accepts the dash.
"""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kunde.accounts.commands import finance_command_actor
from kunde.invoices.accounting_export import AccountingExportError, accounting_export_run


class Command(BaseCommand):
    help = (
        "Export every issued invoice and credit note that is to be transferred to accounting "
        "(CSV and XLSX, one row per invoice line), mark them transferred, and copy the two "
        "files into --out. Prints the paths of the copies, or “Nothing to transfer.”"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", required=True, type=Path, help="Directory to copy the files into."
        )
        parser.add_argument(
            "--user",
            help="Username the run is recorded for (default: the first active administrator).",
        )

    def handle(self, *args, out: Path, user: str | None, **options):
        actor = finance_command_actor(user, may_not="run exports")
        if out.exists() and not out.is_dir():
            raise CommandError(f"--out {out} is not a directory.")
        out.mkdir(parents=True, exist_ok=True)
        try:
            run = accounting_export_run(actor=actor)
        except AccountingExportError as exc:
            raise CommandError(f"Nothing was exported: {exc}") from exc
        if run is None:
            self.stdout.write("Nothing to transfer.")
            return
        self.stdout.write(f"Export {run.pk}: {run.document_count} document(s) transferred.")
        for stored in (run.csv_file, run.xlsx_file):
            target = out / Path(stored.name).name
            with stored.open("rb") as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy)
            self.stdout.write(str(target))
