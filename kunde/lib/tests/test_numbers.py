import pytest

from kunde.lib import numbers


def test_it_accepts_a_valid_organization_number_with_spaces():
    assert numbers.clean_organization_number("923 609 016") == "923609016"


@pytest.mark.parametrize("value", ["923609017", "12345678", "abc", "", "9236090160"])
def test_it_rejects_a_wrong_organization_number(value):
    with pytest.raises(ValueError, match="organisation number"):
        numbers.clean_organization_number(value)


def test_it_rejects_organization_numbers_outside_8xx_and_9xx():
    # 123456785 passes MOD11 but the register never hands out numbers starting with 1.
    with pytest.raises(ValueError, match="start with 8 or 9"):
        numbers.clean_organization_number("123456785")


def test_check_digit_matches_stdnum():
    assert numbers.organization_number_check_digit("92360901") == 6


def test_check_digit_is_none_when_no_number_can_exist():
    # Find an eight-digit stem whose remainder is 1: no valid organisation number has it.
    stems = (f"9{n:07d}" for n in range(1000))
    stem = next(s for s in stems if numbers.organization_number_check_digit(s) is None)
    with pytest.raises(ValueError):
        numbers.clean_organization_number(stem + "0")


def test_it_formats_an_organization_number_in_groups_of_three():
    assert numbers.format_organization_number("923609016") == "923 609 016"


def test_it_accepts_a_norwegian_account_number_with_dots():
    assert numbers.clean_bank_account("8601.11.17947") == "86011117947"
    assert numbers.format_bank_account("86011117947") == "8601.11.17947"


def test_it_accepts_an_iban():
    assert numbers.clean_bank_account("NO93 8601 1117 947") == "NO9386011117947"


@pytest.mark.parametrize("value", ["86011117948", "1234", "NO9386011117948", "hello"])
def test_it_rejects_a_wrong_bank_account(value):
    with pytest.raises(ValueError, match="account number"):
        numbers.clean_bank_account(value)


def test_a_norwegian_vat_number_must_be_the_org_number_with_mva():
    assert numbers.clean_vat_number("no 923609016 mva", "NO") == "NO923609016MVA"
    with pytest.raises(ValueError, match="MVA"):
        numbers.clean_vat_number("NO923609017MVA", "NO")


def test_a_foreign_vat_number_is_kept_compact():
    assert numbers.clean_vat_number("SE 556677889901", "SE") == "SE556677889901"
