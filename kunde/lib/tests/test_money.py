from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kunde.lib import money


def test_ore_and_kroner_convert_exactly():
    assert money.ore_to_kroner(161630391_52) == Decimal("161630391.52")
    assert money.kroner_to_ore(Decimal("161630391.52")) == 16163039152
    assert money.kroner_to_ore("0.10") + money.kroner_to_ore("0.20") == 30


def test_fractions_of_an_ore_round_half_up():
    assert money.kroner_to_ore(Decimal("0.005")) == 1
    assert money.kroner_to_ore(Decimal("0.0049")) == 0


def test_value_of_minutes_at_an_hourly_rate():
    # 20 minutes at 1 250,00 kr/h = 416,666… kr -> 416,67 kr
    assert money.ore_from_minutes(20, 125000) == 41667


def test_money_is_shown_in_norwegian_format():
    assert money.format_money(123450) == "1\xa0234,50\xa0kr"
    assert money.format_money(-5) == "-0,05\xa0kr"


def test_hours_are_shown_with_two_decimals():
    assert money.format_hours(90) == "1,50"


@given(st.integers(-(10**15), 10**15))
def test_norwegian_amounts_are_written_exactly_as_babel_writes_them(ore):
    from babel.numbers import format_currency

    expected = format_currency(money.ore_to_kroner(ore), "NOK", locale="nb_NO")
    assert money.format_money(ore) == expected


@given(st.integers(-(10**9), 10**9))
def test_norwegian_hours_are_written_exactly_as_babel_writes_them(minutes):
    from babel.numbers import format_decimal

    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    assert money.format_hours(minutes) == format_decimal(hours, format="#,##0.00", locale="nb_NO")
