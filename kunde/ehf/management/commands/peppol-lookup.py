"""`kunde peppol-lookup ORGNR`: ask the Peppol network whether an organisation can receive EHF
(BIS Billing 3.0 invoices and credit notes). Exit 1 when the network cannot be asked."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kunde.lib import peppol_lookup


class Command(BaseCommand):
    help = "Look an organisation number up in the Peppol network."

    def add_arguments(self, parser):
        parser.add_argument("orgnr")

    def handle(self, *args, orgnr, **options):
        orgnr = orgnr.replace(" ", "")
        try:
            result = peppol_lookup.lookup(
                orgnr,
                sml_domain=settings.PEPPOL_SML_DOMAIN,
                smp=settings.PEPPOL_SMP_URL,
                timeout=settings.PEPPOL_TIMEOUT,
            )
        except peppol_lookup.LookupError_ as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"0192:{orgnr}")
        self.stdout.write(f"registered: {'yes' if result.registered else 'no'}")
        if result.smp_url:
            self.stdout.write(f"SMP: {result.smp_url}")
        self.stdout.write(f"invoice (BIS Billing 3.0): {'yes' if result.accepts_invoice else 'no'}")
        self.stdout.write(
            f"credit note (BIS Billing 3.0): {'yes' if result.accepts_credit_note else 'no'}"
        )
        self.stdout.write(f"can receive EHF: {'yes' if result.can_receive else 'no'}")
