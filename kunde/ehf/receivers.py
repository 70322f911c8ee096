"""Whether a customer can receive EHF: the Peppol lookup of its organisation number, kept per
customer with the time, and asked again when older than PEPPOL_LOOKUP_MAX_AGE_DAYS."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.customers.models import Customer, EhfStatus
from kunde.ehf.models import EhfReceiver
from kunde.lib import peppol_lookup


def _lookup(organization_number: str, resolver=None) -> peppol_lookup.LookupResult:
    return peppol_lookup.lookup(
        organization_number,
        sml_domain=settings.PEPPOL_SML_DOMAIN,
        resolver=resolver or peppol_lookup.dns_resolver,
        smp=settings.PEPPOL_SMP_URL,
        timeout=settings.PEPPOL_TIMEOUT,
    )


def receiver_is_fresh(receiver: EhfReceiver | None, organization_number: str) -> bool:
    return (
        receiver is not None
        and receiver.organization_number == organization_number
        and receiver.checked_at
        > timezone.now() - timedelta(days=settings.PEPPOL_LOOKUP_MAX_AGE_DAYS)
    )


def customer_ehf_verify(*, actor, customer: Customer, force: bool = True, resolver=None):
    """Look the customer up in the Peppol network and keep the answer. Without `force`, a
    fresh answer is reused. Raises ValidationError when there is nothing to look up or the
    network cannot be asked (the last answer is then kept as it was)."""
    orgnr = customer.organization_number
    if not orgnr:
        raise ValidationError(_("The customer has no organisation number to look up."))
    receiver = EhfReceiver.objects.filter(customer=customer).first()
    if not force and receiver_is_fresh(receiver, orgnr):
        return receiver
    try:
        result = _lookup(orgnr, resolver)
    except peppol_lookup.LookupError_ as exc:
        raise ValidationError(
            _("The Peppol network could not be asked: %(error)s") % {"error": exc}
        ) from exc
    if not result.registered:
        detail = _("Not registered in the Peppol network.")
    elif not result.can_receive:
        detail = _("Registered, but does not accept EHF Billing 3.0 invoices and credit notes.")
    else:
        detail = _("Accepts EHF Billing 3.0 invoices and credit notes.")
    now = timezone.now()
    with transaction.atomic():
        receiver, _created = EhfReceiver.objects.update_or_create(
            customer=customer,
            defaults={
                "organization_number": orgnr,
                "can_receive": result.can_receive,
                "accepts_invoice": result.accepts_invoice,
                "accepts_credit_note": result.accepts_credit_note,
                "detail": detail,
                "checked_at": now,
            },
        )
        # The profile already shows these two columns; update() keeps Customer.save() out.
        Customer.objects.filter(pk=customer.pk).update(
            ehf_status=EhfStatus.CAN_RECEIVE if result.can_receive else EhfStatus.CANNOT_RECEIVE,
            ehf_checked_at=now,
        )
        log_activity(
            customer=customer,
            actor=actor,
            action="customer.ehf_verified",
            params={"orgnr": orgnr, "detail": detail},
        )
    return receiver
