"""The stored PDF of a sent offer revision: rendered once from the frozen data, stored with its
SHA-256 and served unchanged ever after. Idempotent, like `invoices.pdf.invoice_pdf_render`."""

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kunde.lib.offer_pdf import render_offer_pdf
from kunde.offers.models import OfferRevision


def revision_pdf_render(revision_id: int) -> OfferRevision:
    revision = OfferRevision.objects.select_related("offer").get(pk=revision_id)
    if revision.pdf:
        return revision
    content = render_offer_pdf(revision.printable)
    sha256 = hashlib.sha256(content).hexdigest()
    field = revision.pdf.field
    name = field.storage.save(
        field.generate_filename(revision, f"offer-{revision.printable['number']}.pdf"),
        ContentFile(content),
    )
    with transaction.atomic():
        attached = (
            OfferRevision.objects.filter(pk=revision.pk)
            .filter(Q(pdf="") | Q(pdf__isnull=True))
            .update(pdf=name, pdf_sha256=sha256)
        )
    if not attached:
        field.storage.delete(name)  # another render stored the same bytes first
    revision.refresh_from_db(fields=["pdf", "pdf_sha256"])
    return revision


def stored_pdf(revision: OfferRevision) -> bytes:
    """The revision's PDF as stored when it was sent; refused when missing or changed."""
    if not revision.pdf:
        revision = revision_pdf_render(revision.pk)
    try:
        with revision.pdf.open("rb") as file:
            data = file.read()
    except OSError:
        raise ValidationError(_("The stored PDF of the offer cannot be read.")) from None
    if revision.pdf_sha256 and hashlib.sha256(data).hexdigest() != revision.pdf_sha256:
        raise ValidationError(_("The stored PDF of the offer is not the one sent."))
    return data
