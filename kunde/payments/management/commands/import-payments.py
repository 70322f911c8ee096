"""`kunde import-payments FILE [--json] [--user USERNAME]`: import an OCR giro or camt.054 file.

The file name has a dash because Django names a command after its module; Django imports it
with `importlib.import_module`, which accepts the dash.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kunde.accounts.commands import finance_command_actor
from kunde.payments.imports import PaymentImportRefused, payments_import


class Command(BaseCommand):
    help = (
        "Import a Nets OCR giro or camt.054 file of incoming payments (the format is read from "
        "the content), match the payments to invoices by KID and book them. Prints a summary, "
        "or with --json one JSON object. Fails, booking nothing, when the file is refused "
        "(imported before, or not a valid file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The OCR giro or camt.054 file.")
        parser.add_argument(
            "--json", action="store_true", help="Print the summary as one JSON object."
        )
        parser.add_argument(
            "--user",
            help="Username the import is recorded for (default: the first active administrator).",
        )

    def handle(self, *args, file: Path, json: bool, user: str | None, **options):
        actor = finance_command_actor(user, may_not="import payments")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from exc
        progress = None if json else self._progress
        try:
            record = payments_import(actor=actor, data=data, file_name=file.name, progress=progress)
        except PaymentImportRefused as exc:
            raise CommandError(exc.messages[0]) from exc
        if json:
            self.stdout.write(_dumps(record.summary))
            return
        self._print(record)

    def _progress(self, done: int, total: int) -> None:
        if done and done < total:
            self.stderr.write(f"  {done:,} of {total:,} transactions matched ...")

    def _print(self, record) -> None:
        s = record.summary
        self.stdout.write(
            f"Import {record.pk} ({s['format']}, {record.file_name}): "
            f"{s['transactions']:,} transactions, total {s['total']}."
        )
        self.stdout.write(
            f"  booked {s['booked']:,} ({s['booked_total']}): {s['matched']:,} exact, "
            f"{s['partial']:,} partial, {s['over']:,} over (excess to customer credit), "
            f"{s['reversals']:,} reversals, {s['unmatched']:,} unmatched"
        )
        self.stdout.write(
            f"  not booked: {s['duplicates']:,} already booked, {s['skipped']:,} skipped"
        )
        for error in s["errors"]:
            self.stdout.write(f"  {error}")


def _dumps(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, sort_keys=False)
