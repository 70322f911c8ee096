from decimal import Decimal

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
