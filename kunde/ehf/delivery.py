"""Sending EHF documents through an access point, as a plain idempotent service a background
task can call again and again: `ehf_deliver(invoice_id)`.

The access-point adapter speaks a small HTTP API (documented in README): POST the UBL to
`{base}/documents` with an `Idempotency-Key` header and get an id back; GET
`{base}/documents/{id}` for the status (sent, delivered, rejected with a reason). The key is the
same on every try, so a repeated send can never deliver twice. With `EHF_OUTBOX` set, the
document is also written to that folder of the file storage for providers that pick files up.
"""

import hashlib
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.ehf.documents import ehf_document
from kunde.ehf.explain import explain
from kunde.ehf.models import EhfDelivery, EhfReceiver, EhfStatus
from kunde.invoices.models import Invoice

logger = logging.getLogger(__name__)

FINISHED = {EhfStatus.SENT, EhfStatus.DELIVERED, EhfStatus.REJECTED, EhfStatus.EMAILED}


class AccessPointError(Exception):
    """The access point could not be reached or refused the request."""


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
                % {"status": exc.code, "detail": detail}
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


def ehf_deliver(invoice_id: int) -> EhfDelivery:
    """Send the issued document as EHF, or carry on where the last call stopped. Safe to call
    any number of times: a document already sent, delivered, rejected or e-mailed is left as
    it is; one whose send failed is tried again with the same idempotency key."""
    with transaction.atomic():
        invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
        delivery, _created = EhfDelivery.objects.select_for_update().get_or_create(
            invoice=invoice,
            defaults={"status": EhfStatus.QUEUED, "idempotency_key": idempotency_key(invoice)},
        )
    if delivery.status in FINISHED:
        return delivery
    document = ehf_document(invoice)
    if not document.valid:
        reason = "; ".join(f"{f.rule}: {explain(f)}" for f in document.report.fatal)
        return _record(delivery, EhfStatus.FAILED, reason)
    if settings.EHF_OUTBOX:
        name = f"{settings.EHF_OUTBOX.strip('/')}/{delivery.idempotency_key}.xml"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(document.xml))
    access_point = AccessPoint.from_settings()
    if access_point is None:
        if settings.EHF_OUTBOX:
            return _record(delivery, EhfStatus.SENT, _("Written to the outbox folder"))
        return _record(delivery, EhfStatus.FAILED, _("No EHF access point is configured."))
    try:
        answer = access_point.send(
            document.xml,
            key=delivery.idempotency_key,
            receiver=invoice.buyer.get("organization_number", ""),
        )
    except AccessPointError as exc:
        return _record(delivery, EhfStatus.FAILED, str(exc), attempts=delivery.attempts + 1)
    status = _STATUSES.get(answer.get("status", "sent"), EhfStatus.SENT)
    return _record(
        delivery,
        status,
        answer.get("reason", ""),
        provider_id=str(answer.get("id", "")),
        attempts=delivery.attempts + 1,
    )


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
    status = _STATUSES.get(answer.get("status", ""), None)
    if status is None or status == delivery.status:
        return delivery
    return _record(delivery, status, answer.get("reason", ""))


def ehf_configured() -> bool:
    return bool(settings.EHF_ACCESS_POINT_URL or settings.EHF_OUTBOX)


def _known_unable(invoice: Invoice) -> bool:
    """The last lookup says the customer cannot receive EHF: record the document as going by
    e-mail instead (unless it already went as EHF)."""
    receiver = EhfReceiver.objects.filter(customer=invoice.customer_id).first()
    if receiver is None or receiver.can_receive:
        return False
    delivery, _created = EhfDelivery.objects.get_or_create(
        invoice=invoice,
        defaults={"status": EhfStatus.QUEUED, "idempotency_key": idempotency_key(invoice)},
    )
    if delivery.status in (EhfStatus.SENT, EhfStatus.DELIVERED):
        return False
    _record(delivery, EhfStatus.EMAILED, receiver.detail)
    return True


def ehf_send(*, actor, invoice: Invoice):
    """What the delivery path calls for a customer who prefers EHF: deliver now (a background
    task can call `ehf_deliver` instead) and record the attempt like every other channel.
    Returns None when the customer cannot receive EHF and e-mail is the fallback
    (EHF_FALLBACK_EMAIL): the caller then e-mails the PDF."""
    from django.utils import timezone

    from kunde.invoices.models import DeliveryAttempt, DeliveryChannel, DeliveryResult

    if settings.EHF_FALLBACK_EMAIL and _known_unable(invoice):
        return None
    delivery = ehf_deliver(invoice.pk)
    failed = delivery.status in (EhfStatus.FAILED, EhfStatus.REJECTED)
    return DeliveryAttempt.objects.create(
        invoice=invoice,
        channel=DeliveryChannel.EHF,
        recipient=f"0192:{invoice.buyer.get('organization_number', '')}",
        result=DeliveryResult.FAILED if failed else DeliveryResult.SENT,
        error=delivery.reason if failed else "",
        note=str(delivery.get_status_display()),
        actor=actor,
        finished_at=timezone.now(),
    )
