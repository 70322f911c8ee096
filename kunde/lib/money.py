"""Money is kept as integer øre in the database and as Decimal kroner in Python."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal

ORE_PER_KRONE = 100
# The largest amount of one payment Kunde takes, in øre (ten billion kroner), whether typed, sent
# to the API or read from a bank file: far above any real payment, and 100,000 of them still add
# up far inside the database's 64-bit integers.
MAX_AMOUNT_ORE = 10**12
_ONE_ORE = Decimal("0.01")


def amount_in_range(ore: int) -> bool:
    """Whether a payment of `ore` (either sign) is within MAX_AMOUNT_ORE."""
    return -MAX_AMOUNT_ORE <= ore <= MAX_AMOUNT_ORE


def ore_to_kroner(ore: int) -> Decimal:
    return (Decimal(ore) / ORE_PER_KRONE).quantize(_ONE_ORE)


def kroner_to_ore(amount: Decimal | str | int) -> int:
    """Exact for whole øre; a fraction of an øre is rounded half up (commercial rounding)."""
    value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
    return int((value * ORE_PER_KRONE).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ore_from_minutes(minutes: int, ore_per_hour: int) -> int:
    """Value of a number of minutes at an hourly rate, rounded to whole øre."""
    return int((Decimal(minutes) * ore_per_hour / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_money(ore: int, currency: str = "NOK", locale: str = "nb_NO") -> str:
    return format_currency(ore_to_kroner(ore), currency, locale=locale)


def format_hours(minutes: int, locale: str = "nb_NO") -> str:
    hours = (Decimal(minutes) / 60).quantize(_ONE_ORE)
    return format_decimal(hours, format="#,##0.00", locale=locale)
