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


def _nb_hundredths(value: int) -> str:
    """An integer number of hundredths as Norwegian (bokmål) writes it: "-1 234,56" with
    no-break spaces, as Babel's nb_NO pattern does it, without its per-call parsing (a
    statistics page formats hundreds of amounts: 0.2 ms each through Babel)."""
    whole, hundredths = divmod(abs(value), 100)
    grouped = f"{whole:,}".replace(",", "\xa0")
    return f"{'-' if value < 0 else ''}{grouped},{hundredths:02d}"


def format_money(ore: int, currency: str = "NOK", locale: str = "nb_NO") -> str:
    if currency == "NOK" and locale == "nb_NO" and isinstance(ore, int):
        return f"{_nb_hundredths(ore)}\xa0kr"
    return format_currency(ore_to_kroner(ore), currency, locale=locale)


def format_hours(minutes: int, locale: str = "nb_NO") -> str:
    if locale == "nb_NO" and isinstance(minutes, int):
        return _nb_hundredths(_hours_in_hundredths(minutes))
    hours = (Decimal(minutes) / 60).quantize(_ONE_ORE)
    if locale == "nb_NO":
        return _nb_hundredths(int(hours * 100))
    return format_decimal(hours, format="#,##0.00", locale=locale)


def _hours_in_hundredths(minutes: int) -> int:
    """Minutes as hundredths of an hour, to the nearest, in integers (a statistics page formats
    hundreds of hours; the Decimal division cost most of each). minutes / 60 hours is
    minutes × 5 / 3 hundredths: a third or two thirds over, never halfway, so no rule for ties."""
    whole, thirds = divmod(abs(minutes) * 5, 3)
    hundredths = whole + (thirds == 2)
    return -hundredths if minutes < 0 else hundredths
