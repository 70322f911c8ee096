"""Template filters for Norwegian numbers, money and hours; built into every template."""

from django import template
from django.utils.translation import get_language

from kunde.lib import money, numbers

register = template.Library()

_LOCALES = {"nb": "nb_NO", "en": "en_GB"}


def _locale() -> str:
    return _LOCALES.get((get_language() or "nb")[:2], "nb_NO")


@register.filter
def ore(value, currency="NOK"):
    """Øre as money in the user's language: 1 234,50 kr or NOK 1,234.50."""
    if value is None or value == "":
        return ""
    return money.format_money(int(value), currency or "NOK", _locale())


@register.filter
def hours(minutes):
    return money.format_hours(int(minutes or 0), _locale())


@register.filter
def orgnr(value):
    return numbers.format_organization_number(value) if value else ""


@register.filter
def bank_account(value):
    return numbers.format_bank_account(value) if value else ""
