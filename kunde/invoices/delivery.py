"""Delivering issued invoices and credit notes: by e-mail with the stored PDF attached, or as a
letter through the print queue. EHF customers go through `kunde.ehf.delivery` when it is
configured, else by e-mail.

Every attempt is a `DeliveryAttempt` row and an entry in the customer's activity log. An e-mail
attempt is queued (a job of `kunde.jobs`, retried with back-off when the mail server refuses);
the worker commits it as "sending" before the mail server is called and sets it sent or failed
after, so a process that dies in between leaves "outcome unknown" behind, never a silent
duplicate: sending again after that needs `confirm_unknown=True`.
"""

import hashlib
import io
from dataclasses import dataclass

from babel.dates import format_date
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from pypdf import PdfWriter

from kunde.activity.services import log_activity
from kunde.company.models import Company
from kunde.customers.models import InvoiceDelivery
from kunde.invoices.models import (
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryResult,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
)
from kunde.invoices.options import effective_options
from kunde.invoices.pdf import invoice_pdf_render
from kunde.jobs import downloads
from kunde.jobs.services import job_enqueue
from kunde.lib.email_attempts import attempt_send_once, attempt_still_queued
from kunde.lib.money import format_money
from kunde.lib.numbers import format_bank_account

RECIPIENT_LENGTH = DeliveryAttempt._meta.get_field("recipient").max_length


# Reads ----------------------------------------------------------------------------------------


def invoice_deliveries(invoice: Invoice) -> list[DeliveryAttempt]:
    """The invoice's attempts, newest first, as `invoices/delivery/_log.html` shows them."""
    return list(invoice.deliveries.select_related("actor"))


def delivery_pending(deliveries: list[DeliveryAttempt]) -> bool:
    """Whether an e-mail of these attempts still waits for a worker (queued or retrying): the
    page then follows it live until it is sent or failed."""
    return any(
        a.channel == DeliveryChannel.EMAIL and a.result == DeliveryResult.QUEUED for a in deliveries
    )


def print_queue() -> QuerySet[DeliveryAttempt]:
    """Letters waiting to be printed, oldest first: the order they are printed in."""
    return (
        DeliveryAttempt.objects.filter(channel=DeliveryChannel.LETTER, result=DeliveryResult.QUEUED)
        .select_related("invoice__customer", "actor")
        .order_by("started_at", "id")
    )


# E-mail ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Addresses:
    to: list[str]
    cc: list[str]

    def __str__(self) -> str:
        text = ", ".join(self.to)
        if self.cc:
            text += " (cc " + ", ".join(self.cc) + ")"
        return text[:RECIPIENT_LENGTH]


def email_addresses(invoice: Invoice) -> Addresses:
    """Where the invoice is e-mailed: the customer's external receiver, else the invoicing
    options' recipients, else the customer's invoice e-mail, else its e-mail. The options'
    copies (cc) go along whichever of these receives it. Refused when there is no address or
    one is not an e-mail address."""
    customer = invoice.customer
    options = effective_options(customer, invoice.project)
    if customer.external_invoice_email:
        to = [customer.external_invoice_email]
    elif options.email_recipients:
        to = options.email_recipients
    else:
        to = [a for a in (customer.invoice_email or customer.email,) if a]
    if not to:
        raise ValidationError(
            _(
                "%(doc)s cannot be e-mailed: the customer has no e-mail address, no invoice "
                "e-mail and no external receiver, and the invoicing options name no "
                "recipients. Add an address to the customer and send again."
            )
            % {"doc": invoice}
        )
    cc = [a for a in options.email_copies if a not in to]
    for address in to + cc:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("%(doc)s cannot be e-mailed: “%(address)s” is not an e-mail address.")
                % {"doc": invoice, "address": address}
            ) from None
    return Addresses(to=to, cc=cc)


# (bokmål, English): the e-mail follows the invoice's language, not the user's.
_MAIL_TEXT = {
    "invoice": ("faktura", "invoice"),
    "credit_note": ("kreditnota", "credit note"),
    "subject": ("{doc} {number} fra {seller}", "{doc} {number} from {seller}"),
    "attached": (
        "Vedlagt er {doc} {number} fra {seller}.",
        "Please find attached {doc} {number} from {seller}.",
    ),
    "credits": ("Den krediterer faktura {number}.", "It credits invoice {number}."),
    "amount": ("Beløp", "Amount"),
    "due_date": ("Forfallsdato", "Due date"),
    "kid": ("KID", "KID"),
    "account": ("Kontonummer", "Account number"),
    "credited": (
        "Beløpet er godskrevet kontoen deres hos oss.",
        "The amount has been credited to your account with us.",
    ),
    "greeting": ("Hei,", "Hello,"),
    "regards": ("Med vennlig hilsen", "Kind regards"),
}
_TEXT = {
    lang: {k: pair[i] for k, pair in _MAIL_TEXT.items()} for i, lang in enumerate(["nb", "en"])
}
_LOCALE = {"nb": "nb_NO", "en": "en_GB"}
_DATE_FORMAT = {"nb": "dd.MM.y", "en": "d MMMM y"}


def _language(invoice: Invoice) -> str:
    return invoice.language if invoice.language in _TEXT else "nb"


def email_subject(invoice: Invoice) -> str:
    t = _TEXT[_language(invoice)]
    return t["subject"].format(
        doc=t[invoice.kind].capitalize(), number=invoice.number, seller=invoice.seller["name"]
    )


def email_body(invoice: Invoice) -> str:
    lang = _language(invoice)
    t, seller = _TEXT[lang], invoice.seller
    facts = {"doc": t[invoice.kind], "number": invoice.number, "seller": seller["name"]}
    lines = [t["greeting"], "", t["attached"].format(**facts)]
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        lines.append(t["credits"].format(number=invoice.credited_invoice.number))
    lines += [
        "",
        f"{t['amount']}: {format_money(invoice.total_ore, invoice.currency, _LOCALE[lang])}",
    ]
    if invoice.kind == InvoiceKind.INVOICE:
        due = format_date(invoice.due_date, _DATE_FORMAT[lang], locale=_LOCALE[lang])
        lines.append(f"{t['due_date']}: {due}")
        if invoice.kid:
            lines.append(f"{t['kid']}: {invoice.kid}")
        if seller.get("bank_account"):
            lines.append(f"{t['account']}: {format_bank_account(seller['bank_account'])}")
    else:
        lines += ["", t["credited"]]
    lines += ["", t["regards"], seller["name"], ""]
    return "\n".join(lines)


def attachment_name(invoice: Invoice) -> str:
    word = _TEXT[_language(invoice)][invoice.kind].replace(" ", "-")
    return f"{word}-{invoice.number}.pdf"


def stored_pdf(invoice: Invoice) -> bytes:
    """The PDF stored at issue, byte for byte; refused when it is missing or was changed. One
    still being prepared after issue is rendered first (delivery waits for it)."""
    if not invoice.pdf and invoice.is_issued:
        rendered = invoice_pdf_render(invoice.pk)
        if rendered is not None:
            invoice.pdf, invoice.pdf_sha256 = rendered.pdf, rendered.pdf_sha256
    if not invoice.pdf:
        raise ValidationError(_("%(doc)s has no stored PDF.") % {"doc": invoice})
    try:
        with invoice.pdf.open("rb") as file:
            data = file.read()
    except OSError:
        raise ValidationError(
            _("The stored PDF of %(doc)s cannot be read.") % {"doc": invoice}
        ) from None
    if invoice.pdf_sha256 and hashlib.sha256(data).hexdigest() != invoice.pdf_sha256:
        raise ValidationError(
            _("The stored PDF of %(doc)s is not the one issued; it is not sent.") % {"doc": invoice}
        )
    return data


def _email_message(invoice: Invoice, addresses: Addresses, pdf: bytes) -> EmailMessage:
    reply_to = Company.load().email or invoice.seller.get("email")
    message = EmailMessage(
        subject=email_subject(invoice),
        body=email_body(invoice),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=addresses.to,
        cc=addresses.cc,
        reply_to=[reply_to] if reply_to else None,
    )
    message.attach(attachment_name(invoice), pdf, "application/pdf")
    return message


# Sending --------------------------------------------------------------------------------------


def _postal_address(invoice: Invoice) -> str:
    buyer = invoice.buyer
    if not (buyer.get("street") and (buyer.get("postcode") or buyer.get("city"))):
        raise ValidationError(
            _("%(doc)s has no postal address, so it cannot be sent by letter.") % {"doc": invoice}
        )
    parts = [
        buyer["name"],
        buyer["street"].replace("\n", ", "),
        f"{buyer.get('postcode', '')} {buyer.get('city', '')}".strip(),
    ]
    if buyer.get("country", "NO") != "NO":
        parts.append(buyer["country"])
    return ", ".join(parts)[:RECIPIENT_LENGTH]


def _check_can_send(invoice: Invoice, last: DeliveryAttempt | None, confirm_unknown: bool):
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError(
            _("%(doc)s is not issued yet; only issued documents are sent.") % {"doc": invoice}
        )
    if last is None:
        return
    if last.result == DeliveryResult.SENDING and not confirm_unknown:
        raise ValidationError(
            _(
                "The last delivery of %(doc)s has an unknown outcome: it may have reached the "
                "customer. Check with the customer, then confirm that it should be sent again."
            )
            % {"doc": invoice}
        )
    if last.result == DeliveryResult.QUEUED and last.channel != DeliveryChannel.LETTER:
        raise ValidationError(_("%(doc)s is already queued for sending.") % {"doc": invoice})
    if last.result == DeliveryResult.QUEUED:
        raise ValidationError(_("%(doc)s is already in the print queue.") % {"doc": invoice})


def invoice_send(*, actor, invoice: Invoice, confirm_unknown: bool = False) -> DeliveryAttempt:
    """Deliver an issued invoice or credit note the way its customer prefers: e-mail, EHF (a
    job of `kunde.ehf.delivery` when an access point or outbox is configured, else e-mail) or
    letter (it joins the print queue). A failed e-mail is a FAILED
    attempt, not an error; refusals before trying (not issued, no address, outcome of the
    last attempt unknown and not confirmed) raise ValidationError and record nothing.

    Must not run inside an outer transaction: the "sending" row has to be committed before
    the mail server is called."""
    if invoice.is_issued and not invoice.pdf:
        invoice_pdf_render(invoice.pk)  # its own transaction: the file and its row together
    ehf_fallback = False
    if invoice.customer.invoice_delivery == InvoiceDelivery.EHF and invoice.is_issued:
        from kunde.ehf.delivery import ehf_configured, ehf_send

        if ehf_configured():
            attempt = ehf_send(actor=actor, invoice=invoice)
            if attempt is not None:
                return attempt
            ehf_fallback = True  # the customer cannot receive EHF: e-mail, noted as such
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "project", "credited_invoice")
            .get(pk=invoice.pk)
        )
        last = invoice.deliveries.first()
        _check_can_send(invoice, last, confirm_unknown)
        after_unknown = last is not None and last.result == DeliveryResult.SENDING
        customer = invoice.customer
        if customer.invoice_delivery == InvoiceDelivery.LETTER:
            attempt = DeliveryAttempt.objects.create(
                invoice=invoice,
                channel=DeliveryChannel.LETTER,
                result=DeliveryResult.QUEUED,
                recipient=_postal_address(invoice),
                actor=actor,
                note=_unknown_note(after_unknown),
            )
            log_activity(
                customer=customer,
                actor=actor,
                action=f"{invoice.kind}.letter_queued",
                params={"doc": invoice.activity_ref(), "again": after_unknown},
            )
            return attempt
        addresses = email_addresses(invoice)
        stored_pdf(invoice)  # a missing or changed PDF is refused before anything is queued
        note = ""
        if ehf_fallback:
            note = _("The customer cannot receive EHF; sent by e-mail")
        elif customer.invoice_delivery == InvoiceDelivery.EHF:
            note = _("EHF is not available yet; sent by e-mail")
        note = "; ".join(n for n in (note, _unknown_note(after_unknown)) if n)
        attempt = DeliveryAttempt.objects.create(
            invoice=invoice,
            channel=DeliveryChannel.EMAIL,
            result=DeliveryResult.QUEUED,
            recipient=str(addresses),
            actor=actor,
            note=note,
        )
    # Queued after the attempt is committed: a worker (or, in tests, the immediate backend)
    # must find it, and must never talk to the mail server inside this transaction.
    job_enqueue(
        kind="invoices.email",
        actor=actor,
        params={"attempt": attempt.pk},
        invoice=invoice,
        customer=customer,
    )
    attempt.refresh_from_db()
    return attempt


def run_email_job(job, report) -> dict:
    """The job of one e-mail attempt: send it, at most once. The attempt is the idempotency
    key: it is set "sending" and committed before the mail server is called, so a worker that
    dies in between leaves "outcome unknown", which is never sent again without a person's
    confirmation; a sent attempt is never sent again. A mail server that refuses or does not
    answer is tried again after a back-off (`DELIVERY_EMAIL_ATTEMPTS`,
    `DELIVERY_EMAIL_RETRY_SECONDS`)."""
    return attempt_send_once(
        attempts=DeliveryAttempt.objects.select_related(
            "invoice__customer", "invoice__project", "invoice__credited_invoice", "actor"
        ),
        attempt_id=job.params["attempt"],
        results=DeliveryResult,
        message_for=lambda attempt: _email_message(
            attempt.invoice, email_addresses(attempt.invoice), stored_pdf(attempt.invoice)
        ),
        message_id="delivery",
        on_sent=lambda attempt, message: _email_finished(
            attempt, addresses=str(Addresses(to=message.to, cc=message.cc)), error=""
        ),
    )


def give_up_email_job(job) -> None:
    """The last try failed (or the job was cancelled): the attempt is failed, and logged."""
    attempts = DeliveryAttempt.objects.select_related("invoice__customer", "actor")
    attempt = attempt_still_queued(attempts, job.params.get("attempt"), DeliveryResult)
    if attempt is not None:
        _email_finished(attempt, addresses=attempt.recipient, error=attempt.error or job.error)


def _email_finished(attempt: DeliveryAttempt, *, addresses: str, error: str) -> None:
    invoice = attempt.invoice
    with transaction.atomic():
        attempt.result = DeliveryResult.FAILED if error else DeliveryResult.SENT
        attempt.error = error
        attempt.finished_at = timezone.now()
        attempt.save(update_fields=["result", "error", "finished_at"])
        previous = invoice.deliveries.filter(pk__lt=attempt.pk).first()
        params = {
            "doc": invoice.activity_ref(),
            "to": str(addresses),
            "ehf_by_email": invoice.customer.invoice_delivery == InvoiceDelivery.EHF,
            # sent after an attempt whose outcome was unknown (it stays "sending")
            "again": previous is not None and previous.result == DeliveryResult.SENDING,
        }
        if error:
            params["error"] = error
        log_activity(
            customer=invoice.customer,
            actor=attempt.actor,
            action=f"{invoice.kind}.{'send_failed' if error else 'sent'}",
            params=params,
        )


def _unknown_note(after_unknown: bool, prefix: str = "") -> str:
    if not after_unknown:
        return ""
    return prefix + _("sent again after an attempt with unknown outcome, as confirmed")


# Print queue ----------------------------------------------------------------------------------


def _queued(attempt_ids) -> list[DeliveryAttempt]:
    """The queued letters with these ids, in queue order; refused unless every id is one."""
    ids = set(attempt_ids)
    if not ids:
        raise ValidationError(_("Choose at least one document from the print queue."))
    attempts = list(print_queue().filter(pk__in=ids))
    if len(attempts) != len(ids):
        raise ValidationError(
            _(
                "Some of the documents are no longer in the print queue (printed by someone "
                "else, or unknown). Nothing was changed; open the print queue again."
            )
        )
    return attempts


def print_queue_pdf(attempt_ids, report=downloads.no_report) -> bytes:
    """The stored PDFs of these queued letters as one PDF, in queue order, to print at once."""
    writer = PdfWriter()
    attempts = _queued(attempt_ids)
    for done, attempt in enumerate(attempts, start=1):
        writer.append(io.BytesIO(stored_pdf(attempt.invoice)))
        report(done, len(attempts) + 1)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def print_queue_goes_to_queue(attempt_ids) -> bool:
    """A batch of more letters than `PRINT_QUEUE_ABOVE_DOCUMENTS` is merged by a worker."""
    return len(set(attempt_ids)) > settings.PRINT_QUEUE_ABOVE_DOCUMENTS


def print_queue_enqueue(*, actor, attempt_ids, back: str = ""):
    """Queue the merging of a large batch (refused at once, as the direct download is, when an
    id is not in the print queue); the job's page offers the PDF when it is made."""
    _queued(attempt_ids)
    return downloads.download_enqueue(
        actor=actor,
        builder="invoices.print_queue",
        params={"attempts": sorted(set(attempt_ids)), "day": timezone.localdate().isoformat()},
        back=back,
    )


def print_queue_file(params: dict, report) -> downloads.DownloadFile:
    """The batch's merged PDF as a file (the builder of `kunde.jobs.downloads`)."""
    content = print_queue_pdf(params["attempts"], report)
    return downloads.DownloadFile(content, f"utskrift-{params['day']}.pdf", "application/pdf")


def print_queue_mark_printed(*, actor, attempt_ids) -> list[DeliveryAttempt]:
    """Mark these queued letters printed: exactly the batch that was downloaded, so a letter
    queued meanwhile stays in the queue. All or nothing."""
    with transaction.atomic():
        ids = set(attempt_ids)
        list(DeliveryAttempt.objects.select_for_update().filter(pk__in=ids))
        attempts = _queued(ids)
        now = timezone.now()
        for attempt in attempts:
            attempt.result = DeliveryResult.PRINTED
            attempt.finished_at = now
            attempt.save(update_fields=["result", "finished_at"])
            log_activity(
                customer=attempt.invoice.customer,
                actor=actor,
                action=f"{attempt.invoice.kind}.printed",
                params={"doc": attempt.invoice.activity_ref()},
            )
    return attempts
