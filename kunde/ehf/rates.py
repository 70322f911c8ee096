"""NOK exchange rates for the VAT in NOK that a foreign-currency EHF document must state
(BT-111): entered by finance, one per currency and day; a document uses the latest on or before
its issue date."""

import logging
from decimal import Decimal

from django.db import transaction

from kunde.ehf.models import NokRate

logger = logging.getLogger(__name__)


def nok_rate_set(*, actor, currency: str, date, nok: Decimal) -> NokRate:
    """Set the rate of `currency` on `date` (a second entry for the same day replaces it)."""
    with transaction.atomic():
        rate, _created = NokRate.objects.update_or_create(
            currency=currency, date=date, defaults={"nok": nok}
        )
    logger.info("NOK rate %s %s = %s set by %s", currency, date, nok, actor)
    return rate


def nok_rates_latest(limit: int = 50) -> list[NokRate]:
    return list(NokRate.objects.order_by("-date", "currency")[:limit])
