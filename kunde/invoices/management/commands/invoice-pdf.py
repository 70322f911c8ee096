"""`kunde invoice-pdf NUMBER --out FILE`: write the stored PDF of an issued invoice or credit
note to a file. The file is the one made at issue, byte for byte; nothing is rendered again."""

import hashlib

from django.core.management.base import BaseCommand, CommandError

from kunde.invoices.models import Invoice


class Command(BaseCommand):
    help = "Write the stored PDF of an issued invoice or credit note to a file."

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="The invoice or credit note number.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write it.")

    def handle(self, *args, number, out, **options):
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None:
            raise CommandError(
                f"No issued invoice or credit note has number {number} "
                "(a draft gets its number when it is issued)."
            )
        if not invoice.is_issued:
            raise CommandError(f"Document number {number} is a draft and has no PDF yet.")
        if not invoice.pdf:
            raise CommandError(f"{invoice} has no stored PDF.")
        with invoice.pdf.open("rb") as stored:
            content = stored.read()
        # A legal record: hand out only the bytes that were issued.
        if hashlib.sha256(content).hexdigest() != invoice.pdf_sha256:
            raise CommandError(
                f"The stored PDF of {invoice} does not match the checksum taken at issue; "
                "the file was changed or replaced."
            )
        try:
            with open(out, "wb") as target:
                target.write(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote {invoice} ({len(content)} bytes) to {out}.")
