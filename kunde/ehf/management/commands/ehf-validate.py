"""`kunde ehf-validate FILE...`: check EHF files with the same gate Kunde's own documents pass
(UBL 2.1 XSD, CEN EN 16931 rules, Peppol and Norwegian rules). One line per file; exit 1 when
any fails."""

from django.core.management.base import BaseCommand, CommandError

from kunde.lib import ehf_validation


class Command(BaseCommand):
    help = "Validate EHF (Peppol BIS Billing 3.0) files offline."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        bad = 0
        for name in files:
            try:
                with open(name, "rb") as source:
                    report = ehf_validation.validate(source.read())
            except OSError as exc:
                bad += 1
                self.stdout.write(f"{name}: INVALID cannot read: {exc.strerror}")
                continue
            fatal = sorted({f.rule for f in report.fatal})
            warnings = sorted({f.rule for f in report.warnings})
            line = f"{name}: {'VALID' if report.valid else 'INVALID'}"
            if fatal:
                line += " fatal " + " ".join(fatal)
            if warnings:
                line += " warning " + " ".join(warnings)
            self.stdout.write(line)
            bad += not report.valid
        if bad:
            raise CommandError(f"{bad} of {len(files)} files do not pass.")
