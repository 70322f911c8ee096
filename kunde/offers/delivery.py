"""Delivering a sent offer by e-mail, with its PDF and the link to the public acceptance page,
as a job on the queue (kind `offers.email`), and telling the firm when the customer answers.

As with invoices, the attempt is set "sending" and committed before the mail server is called,
so a worker that dies in between leaves "outcome unknown", never a silent duplicate."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.models import Company
from kunde.jobs.services import RetryLater, job_enqueue
from kunde.lib.email_attempts import attempt_send_once, attempt_still_queued, transmit
from kunde.lib.money import format_money
from kunde.offers.models import Offer, OfferDelivery, OfferDeliveryResult
from kunde.offers.pdf import stored_pdf
from kunde.offers.tokens import offer_token


def recipient(offer: Offer) -> str:
    """The contact person's e-mail, else the customer's; refused when there is none."""
    address = (offer.contact.email if offer.contact else "") or offer.customer.email
    if not address:
        raise ValidationError(
            {
                "contact": _(
                    "%(offer)s cannot be e-mailed: neither the contact person nor the customer "
                    "has an e-mail address. Add one, or mark the offer as sent by hand."
                )
                % {"offer": offer}
            }
        )
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(
            {"contact": _("“%(address)s” is not an e-mail address.") % {"address": address}}
        ) from None
    return address


def public_url(offer: Offer, base_url: str = "") -> str:
    """The link for the e-mail: on the address the sender used (`base_url`), else SITE_URL."""
    base = (base_url or getattr(settings, "SITE_URL", "") or "http://localhost:8000").rstrip("/")
    return base + reverse("offers:public", args=[offer_token(offer)])


_MAIL = {
    "subject": ("Tilbud {number} fra {seller}: {name}", "Offer {number} from {seller}: {name}"),
    "body": (
        "Hei,\n\nVedlagt er tilbud {number} fra {seller}: {name}.\n\nBeløp eks. MVA: {amount}\n"
        "Gyldig til: {valid}\n\nSe tilbudet, velg tillegg og aksepter eller avslå her:\n{url}\n\n"
        "Med vennlig hilsen\n{seller}\n",
        "Hello,\n\nPlease find attached offer {number} from {seller}: {name}.\n\n"
        "Amount excl. VAT: {amount}\nValid until: {valid}\n\nView the offer, choose options "
        "and accept or reject it here:\n{url}\n\nKind regards\n{seller}\n",
    ),
}


def _message(offer: Offer, to: str, pdf: bytes, revision, base_url: str) -> EmailMessage:
    i = 0 if offer.language != "en" else 1
    locale = "nb_NO" if i == 0 else "en_GB"
    seller = revision.printable["seller"]["name"]
    facts = {
        "number": offer.label,
        "seller": seller,
        "name": offer.name,
        "amount": format_money(offer.net_ore, "NOK", locale),
        "valid": offer.valid_until.strftime("%d.%m.%Y"),
        "url": public_url(offer, base_url),
    }
    reply_to = Company.load().email or offer.made_by.email
    message = EmailMessage(
        subject=_MAIL["subject"][i].format(**facts),
        body=_MAIL["body"][i].format(**facts),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    word = "tilbud" if i == 0 else "offer"
    message.attach(f"{word}-{offer.label}.pdf", pdf, "application/pdf")
    return message


def enqueue_email(*, actor, attempt: OfferDelivery, base_url: str = "") -> None:
    job_enqueue(
        kind="offers.email",
        actor=actor,
        params={"attempt": attempt.pk, "base_url": base_url},
        customer=attempt.offer.customer,
    )


def run_email_job(job, report) -> dict:
    """Send one queued attempt, at most once (see the module's note)."""
    base_url = job.params.get("base_url", "")
    return attempt_send_once(
        attempts=OfferDelivery.objects.select_related(
            "offer__customer", "offer__made_by", "revision", "actor"
        ),
        attempt_id=job.params["attempt"],
        results=OfferDeliveryResult,
        message_for=lambda attempt: _message(
            attempt.offer,
            attempt.recipient,
            stored_pdf(attempt.revision),
            attempt.revision,
            base_url,
        ),
        message_id="offer-delivery",
        on_sent=_email_sent,
    )


def _email_sent(attempt: OfferDelivery, message) -> None:
    OfferDelivery.objects.filter(pk=attempt.pk).update(
        result=OfferDeliveryResult.SENT, error="", finished_at=timezone.now()
    )
    log_activity(
        customer=attempt.offer.customer,
        actor=attempt.actor,
        action="offer.emailed",
        params={"doc": attempt.offer.activity_ref(), "to": attempt.recipient},
    )


def give_up_email_job(job) -> None:
    attempts = OfferDelivery.objects.select_related("offer__customer", "actor")
    attempt = attempt_still_queued(attempts, job.params.get("attempt"), OfferDeliveryResult)
    if attempt is None:
        return
    OfferDelivery.objects.filter(pk=attempt.pk).update(
        result=OfferDeliveryResult.FAILED, finished_at=timezone.now()
    )
    log_activity(
        customer=attempt.offer.customer,
        actor=attempt.actor,
        action="offer.email_failed",
        params={"doc": attempt.offer.activity_ref(), "to": attempt.recipient},
    )


def run_notify_job(job, report) -> dict:
    """Tell the co-worker who made the offer that the customer answered (kind `offers.notify`;
    a mail server that refuses is tried again later)."""
    offer = Offer.objects.select_related("made_by", "customer").get(pk=job.params["offer"])
    to = offer.made_by.email or Company.load().email
    if not to:
        return {"sent": False}
    subject = _("%(offer)s for %(customer)s was %(status)s") % {
        "offer": offer,
        "customer": offer.customer.name,
        "status": offer.get_status_display().lower(),
    }
    lines = [subject, ""]
    if offer.answered_name:
        lines.append(
            _("By: %(name)s %(title)s")
            % {"name": offer.answered_name, "title": offer.answered_title}
        )
    if offer.reject_comment:
        lines.append(_("Comment: %(comment)s") % {"comment": offer.reject_comment})
    message = EmailMessage(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [to])
    error = transmit(message)
    if error:
        raise RetryLater(error)
    return {"sent": True, "to": to}
