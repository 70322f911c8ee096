"""`kunde offer-pdf NUMBER[-REVISION] --out FILE`: write the stored PDF of a sent offer (its
last sent revision, or the one named: 12-A) to a file, byte for byte as sent."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kunde.offers.models import OfferRevision
from kunde.offers.pdf import stored_pdf


class Command(BaseCommand):
    help = "Write the stored PDF of a sent offer to a file."

    def add_arguments(self, parser):
        parser.add_argument("number", help="The offer number, optionally with its revision: 12-A.")
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write it.")

    def handle(self, *args, number, out, **options):
        text, _, letter = number.partition("-")
        if not text.isdigit():
            raise CommandError(f"“{number}” is not an offer number (such as 12 or 12-A).")
        revisions = OfferRevision.objects.filter(offer__number=int(text))
        if letter:
            revisions = revisions.filter(revision=letter.upper())
        revision = revisions.order_by("-sent_at", "-id").first()
        if revision is None:
            raise CommandError(
                f"No sent offer has number {number} (a draft gets its number when it is sent)."
            )
        try:
            content = stored_pdf(revision)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            with open(out, "wb") as target:
                target.write(content)
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from exc
        self.stdout.write(f"Wrote offer {number} ({len(content)} bytes) to {out}.")
