"""Template filters for Norwegian numbers, money and hours; built into every template."""

from django import template

from kunde.lib import money, numbers

register = template.Library()


# Money and hours are shown in Norwegian format in both languages of the interface.
@register.filter
def ore(value, currency="NOK"):
    """Øre as money: 1 234,50 kr."""
    if value is None or value == "":
        return ""
    return money.format_money(int(value), currency or "NOK")


@register.filter
def hours(minutes):
    return money.format_hours(int(minutes or 0))


@register.filter
def orgnr(value):
    return numbers.format_organization_number(value) if value else ""


@register.filter
def bank_account(value):
    return numbers.format_bank_account(value) if value else ""
