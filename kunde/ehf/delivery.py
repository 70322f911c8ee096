"""Sending EHF documents through an access point, as background jobs (`kunde.jobs`).

`ehf_send` (what `invoices.delivery.invoice_send` calls for an EHF customer) records a queued
`DeliveryAttempt` and puts an "ehf.deliver" job on the queue; the job calls `ehf_deliver`, which
checks the document with the gate (an invalid one is never sent: its failed rules are kept on the
`EhfDelivery` for the invoice page) and posts it to the access point. A provider that is down or
does not answer is tried again with exponential back-off (`EHF_DELIVERY_ATTEMPTS`,
`EHF_DELIVERY_RETRY_SECONDS`); a refusal (4xx) or a rejection is final. After the send an
"ehf.poll" job asks for the final status (delivered or rejected) with its own back-off
(`EHF_POLL_ATTEMPTS`, `EHF_POLL_RETRY_SECONDS`); `ehf_status_update` takes the same news from
the provider's callback.

Never sent twice: the row is locked and its status checked before every send (sent, delivered,
rejected or e-mailed documents are not sent again), and the document's idempotency key goes to
the provider with every try, so a worker that died after the provider accepted the document
and before we recorded it sends the same key again and gets the same document back.

The access-point adapter speaks a small HTTP API (documented in README): POST the UBL to
`{base}/documents` with an `Idempotency-Key` header and get an id back; GET
`{base}/documents/{id}` for the status (sent, delivered, rejected with a reason). With
`EHF_OUTBOX` set, the document is also written to that folder of the file storage for
providers that pick files up.
"""

import hashlib
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.models import Company
from kunde.ehf.documents import ehf_document
from kunde.ehf.explain import explain
from kunde.ehf.models import EhfDelivery, EhfReceiver, EhfStatus
from kunde.invoices.models import (
    DeliveryAttempt,
    DeliveryChannel,
    DeliveryResult,
    Invoice,
    InvoiceStatus,
)
from kunde.jobs.services import RetryLater, job_enqueue

logger = logging.getLogger(__name__)

# Never sent again once here (a failed one may be: the provider never accepted it).
FINISHED = {EhfStatus.SENT, EhfStatus.DELIVERED, EhfStatus.REJECTED, EhfStatus.EMAILED}


class AccessPointError(Exception):
    """The access point could not be reached or refused the request. `final` when trying
    again cannot help (a 4xx other than 408/429: bad token, a document it refuses)."""

    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.final = final


@dataclass(frozen=True)
class AccessPoint:
    base_url: str
    token: str
    timeout: float

    @classmethod
    def from_settings(cls) -> "AccessPoint | None":
        if not settings.EHF_ACCESS_POINT_URL:
            return None
        return cls(
            settings.EHF_ACCESS_POINT_URL.rstrip("/"),
            settings.EHF_ACCESS_POINT_TOKEN,
            settings.EHF_ACCESS_POINT_TIMEOUT,
        )

    def _call(self, method: str, path: str, body: bytes | None = None, headers=None) -> dict:
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            raise AccessPointError(
                _("The access point answered %(status)s: %(detail)s")
                % {"status": exc.code, "detail": detail},
                final=400 <= exc.code < 500 and exc.code not in (408, 425, 429),
            ) from exc
        except TimeoutError as exc:
            raise AccessPointError(
                _("The access point did not answer within %(seconds)s seconds.")
                % {"seconds": self.timeout}
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise AccessPointError(
                _("The access point could not be reached: %(error)s") % {"error": exc}
            ) from exc

    def send(self, xml: bytes, *, key: str, receiver: str) -> dict:
        return self._call(
            "POST",
            "/documents",
            xml,
            {
                "Content-Type": "application/xml",
                "Idempotency-Key": key,
                "X-Peppol-Receiver": f"0192:{receiver}",
            },
        )

    def status(self, provider_id: str) -> dict:
        return self._call("GET", f"/documents/{provider_id}")


def idempotency_key(invoice: Invoice) -> str:
    return hashlib.sha256(f"kunde-ehf:{invoice.pk}:{invoice.number}".encode()).hexdigest()


def _record(delivery: EhfDelivery, status: str, reason: str = "", **fields) -> EhfDelivery:
    delivery.status = status
    delivery.reason = reason
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save()
    log_activity(
        customer=delivery.invoice.customer,
        actor=None,
        action=f"{delivery.invoice.kind}.ehf_{status}",
        params={"doc": delivery.invoice.activity_ref(), "status": status, "reason": reason},
    )
    return delivery


_STATUSES = {
    "sent": EhfStatus.SENT,
    "delivered": EhfStatus.DELIVERED,
    "rejected": EhfStatus.REJECTED,
    "failed": EhfStatus.FAILED,
}


def _delivery_for(invoice: Invoice) -> EhfDelivery:
    delivery, _created = EhfDelivery.objects.select_for_update().get_or_create(
        invoice=invoice,
        defaults={"status": EhfStatus.QUEUED, "idempotency_key": idempotency_key(invoice)},
    )
    delivery.invoice = invoice
    return delivery


def ehf_deliver(invoice_id: int) -> EhfDelivery:
    """Send the issued document as EHF, or carry on where the last call stopped. Safe to call
    any number of times: a document already sent, delivered, rejected or e-mailed is left as
    it is. Raises `AccessPointError` when the provider could not take it (the delivery is
    then queued again, or failed when `final`); the caller decides whether to retry."""
    with transaction.atomic():
        invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
        delivery = _delivery_for(invoice)
        if delivery.status in FINISHED:
            return delivery
    document = ehf_document(invoice)
    if not document.valid:
        failures = [
            {"rule": f.rule, "flag": f.flag, "location": f.location, "text": f.text}
            for f in document.report.failures
        ]
        reason = "; ".join(f"{f.rule}: {explain(f)}" for f in document.report.fatal)
        return _record(delivery, EhfStatus.FAILED, reason, failures=failures)
    if settings.EHF_OUTBOX:
        name = f"{settings.EHF_OUTBOX.strip('/')}/{delivery.idempotency_key}.xml"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(document.xml))
    access_point = AccessPoint.from_settings()
    if access_point is None:
        if settings.EHF_OUTBOX:
            return _record(delivery, EhfStatus.SENT, _("Written to the outbox folder"), failures=[])
        return _record(delivery, EhfStatus.FAILED, _("No EHF access point is configured."))
    attempts = delivery.attempts + 1
    try:
        answer = access_point.send(
            document.xml,
            key=delivery.idempotency_key,
            receiver=invoice.buyer.get("organization_number", ""),
        )
    except AccessPointError as exc:
        status = EhfStatus.FAILED if exc.final else EhfStatus.QUEUED
        _record(delivery, status, str(exc), attempts=attempts, failures=[])
        raise
    status = _STATUSES.get(answer.get("status", "sent"), EhfStatus.SENT)
    return _record(
        delivery,
        status,
        answer.get("reason", ""),
        provider_id=str(answer.get("id", "")),
        attempts=attempts,
        failures=[],
    )


def ehf_status_update(delivery: EhfDelivery, status_text: str, reason: str = "") -> EhfDelivery:
    """The provider's news about a sent document (from a poll or its callback): delivered or
    rejected. Anything else, or news about a document not waiting for it, changes nothing."""
    status = _STATUSES.get(status_text)
    if status not in (EhfStatus.DELIVERED, EhfStatus.REJECTED):
        return delivery
    with transaction.atomic():
        locked = EhfDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != EhfStatus.SENT:
            return locked
        locked.invoice = delivery.invoice
        return _record(locked, status, reason)


def ehf_poll(invoice_id: int) -> EhfDelivery:
    """Ask the access point how a sent document fared (delivered or rejected)."""
    delivery = EhfDelivery.objects.select_related("invoice__customer").get(invoice_id=invoice_id)
    access_point = AccessPoint.from_settings()
    if delivery.status != EhfStatus.SENT or access_point is None or not delivery.provider_id:
        return delivery
    try:
        answer = access_point.status(delivery.provider_id)
    except AccessPointError as exc:
        logger.warning("EHF status of %s unknown: %s", delivery.invoice, exc)
        return delivery
    return ehf_status_update(delivery, answer.get("status", ""), answer.get("reason", ""))


def ehf_configured() -> bool:
    return bool(settings.EHF_ACCESS_POINT_URL or settings.EHF_OUTBOX)


def _known_unable(invoice: Invoice) -> bool:
    """The last lookup says the customer cannot receive EHF: record the document as going by
    e-mail instead (unless it already went as EHF)."""
    receiver = EhfReceiver.objects.filter(customer=invoice.customer_id).first()
    if receiver is None or receiver.can_receive:
        return False
    if invoice.deliveries.filter(channel=DeliveryChannel.EHF, result=DeliveryResult.QUEUED):
        return False  # its job is on the way; ehf_send refuses a second one
    with transaction.atomic():
        delivery = _delivery_for(invoice)
        if delivery.status in (EhfStatus.SENT, EhfStatus.DELIVERED):
            return False
        _record(delivery, EhfStatus.EMAILED, receiver.detail)
    return True


def ehf_send(*, actor, invoice: Invoice) -> DeliveryAttempt | None:
    """What the delivery path calls for a customer who prefers EHF: a queued EHF attempt and
    its job (with the test backend the job has run when this returns). Returns None when the
    customer cannot receive EHF and the company sends e-mail instead (its setting): the caller
    then e-mails the PDF. Refused (ValidationError, nothing recorded) when the document is
    already queued or went as EHF."""
    if Company.load().ehf_fallback_email and _known_unable(invoice):
        return None
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=invoice.pk)
        )
        if invoice.status != InvoiceStatus.ISSUED:
            raise ValidationError(
                _("%(doc)s is not issued yet; only issued documents are sent.") % {"doc": invoice}
            )
        delivery = _delivery_for(invoice)
        if delivery.status == EhfStatus.REJECTED:
            raise ValidationError(
                _(
                    "%(doc)s was rejected as EHF: %(reason)s It is not sent as EHF again; to "
                    "send it by e-mail or letter, change the customer's preferred invoice type "
                    "and send again."
                )
                % {"doc": invoice, "reason": delivery.reason}
            )
        if delivery.status in FINISHED:
            raise ValidationError(
                _("%(doc)s has already gone as EHF (%(status)s); it is not sent twice.")
                % {"doc": invoice, "status": delivery.get_status_display()}
            )
        if invoice.deliveries.filter(
            channel=DeliveryChannel.EHF, result=DeliveryResult.QUEUED
        ).exists():
            raise ValidationError(_("%(doc)s is already queued for sending.") % {"doc": invoice})
        attempt = DeliveryAttempt.objects.create(
            invoice=invoice,
            channel=DeliveryChannel.EHF,
            recipient=f"0192:{invoice.buyer.get('organization_number', '')}",
            result=DeliveryResult.QUEUED,
            actor=actor if getattr(actor, "pk", None) else None,
        )
        _record(delivery, EhfStatus.QUEUED, failures=[])
    job_enqueue(
        kind="ehf.deliver",
        actor=actor,
        params={"attempt": attempt.pk},
        invoice=invoice,
        customer=invoice.customer,
    )
    attempt.refresh_from_db()
    return attempt


# Jobs -----------------------------------------------------------------------------------------


def _finish_attempt(attempt_id: int, *, error: str = "", note: str = "") -> None:
    fields = {
        "result": DeliveryResult.FAILED if error else DeliveryResult.SENT,
        "error": error,
        "finished_at": timezone.now(),
    }
    if note:
        fields["note"] = note[:300]
    DeliveryAttempt.objects.filter(pk=attempt_id, result=DeliveryResult.QUEUED).update(**fields)


def _cannot_receive(invoice: Invoice) -> bool:
    """The customer cannot receive EHF, by a fresh Peppol lookup (asked now when the last one
    is missing or old). A network that cannot be asked is no answer: EHF is tried."""
    from kunde.ehf.receivers import customer_ehf_verify

    try:
        receiver = customer_ehf_verify(actor=None, customer=invoice.customer, force=False)
    except ValidationError as exc:
        logger.warning("Peppol lookup before sending %s failed: %s", invoice, exc)
        return False
    return not receiver.can_receive


def _by_email_instead(attempt: DeliveryAttempt) -> dict:
    """The customer cannot receive EHF and the company e-mails instead: the EHF attempt ends,
    recorded as such, and the document goes the e-mail way (its own attempt and job)."""
    from kunde.invoices.delivery import invoice_send

    invoice = attempt.invoice
    note = _("The customer cannot receive EHF; sent by e-mail")
    _finish_attempt(attempt.pk, error=note, note=note)
    try:
        email = invoice_send(actor=attempt.actor, invoice=invoice)  # records "emailed"
    except ValidationError as exc:  # no e-mail address, say: the reason stays on the document
        with transaction.atomic():
            _record(_delivery_for(invoice), EhfStatus.FAILED, " ".join(exc.messages))
        raise
    return {"attempt": attempt.pk, "status": EhfStatus.EMAILED, "email_attempt": email.pk}


def run_deliver_job(job, report) -> dict:
    """The job of one EHF attempt (kind "ehf.deliver")."""
    attempt = (
        DeliveryAttempt.objects.select_related("invoice__customer", "actor")
        .filter(pk=job.params["attempt"])
        .first()
    )
    if attempt is None or attempt.result != DeliveryResult.QUEUED:
        return {"skipped": True}
    if Company.load().ehf_fallback_email and _cannot_receive(attempt.invoice):
        return _by_email_instead(attempt)
    try:
        delivery = ehf_deliver(attempt.invoice_id)
    except AccessPointError as exc:
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(error=str(exc))
        if exc.final:
            _finish_attempt(attempt.pk, error=str(exc))
            raise ValidationError(str(exc)) from exc
        raise RetryLater(str(exc)) from exc
    note = str(delivery.get_status_display())
    if delivery.status in (EhfStatus.FAILED, EhfStatus.REJECTED):
        _finish_attempt(attempt.pk, error=delivery.reason, note=note)
        raise ValidationError(delivery.reason)
    _finish_attempt(attempt.pk, note=note)
    if delivery.status == EhfStatus.SENT and delivery.provider_id and settings.EHF_POLL_ATTEMPTS:
        job_enqueue(
            kind="ehf.poll",
            actor=None,
            params={"invoice": attempt.invoice_id},
            invoice=attempt.invoice,
            customer=attempt.invoice.customer,
        )
    return {"attempt": attempt.pk, "status": delivery.status}


def give_up_deliver_job(job) -> None:
    """The last try failed (or the job was cancelled): the delivery and the attempt failed."""
    attempt = DeliveryAttempt.objects.filter(
        pk=job.params.get("attempt"), result=DeliveryResult.QUEUED
    ).first()
    if attempt is None:
        return
    reason = attempt.error or job.error
    _finish_attempt(attempt.pk, error=reason)
    with transaction.atomic():
        invoice = Invoice.objects.select_related("customer").get(pk=attempt.invoice_id)
        delivery = _delivery_for(invoice)
        if delivery.status == EhfStatus.QUEUED:
            _record(delivery, EhfStatus.FAILED, reason)


def run_poll_job(job, report) -> dict:
    """Ask for the final status of a sent document (kind "ehf.poll"), again after a back-off
    while the answer is still "sent"."""
    delivery = ehf_poll(job.params["invoice"])
    if delivery.status == EhfStatus.SENT:
        raise RetryLater(_("The receiver has not confirmed delivery yet."))
    return {"status": delivery.status}
