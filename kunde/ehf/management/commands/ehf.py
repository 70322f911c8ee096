"""`kunde ehf NUMBER --out FILE`: write the EHF document (UBL, Peppol BIS Billing 3.0) of an
issued invoice or credit note. Exit 1 with the failed rules when it does not pass the gate; then
no file is written."""

from django.core.management.base import BaseCommand, CommandError

from kunde.ehf.documents import ehf_document
from kunde.ehf.explain import explain
from kunde.invoices.models import Invoice


class Command(BaseCommand):
    help = "Write the EHF document of an issued invoice or credit note to a file."

    def add_arguments(self, parser):
        parser.add_argument("number", type=int, help="The invoice or credit note number.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write it.")

    def handle(self, *args, number, out, **options):
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is None or not invoice.is_issued:
            raise CommandError(f"No issued invoice or credit note has number {number}.")
        document = ehf_document(invoice)
        for failure in document.report.failures:
            self.stderr.write(
                f"{failure.flag} {failure.rule} {failure.location}: {explain(failure)}"
            )
        if not document.valid:
            raise CommandError(f"The EHF document of {invoice} does not pass the rules.")
        try:
            with open(out, "wb") as target:
                target.write(document.xml)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}") from exc
        self.stdout.write(f"{invoice}: EHF written to {out}")
