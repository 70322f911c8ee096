import pytest
from django.core.exceptions import ValidationError

from kunde.company.models import Company


def test_the_default_kid_setting_is_valid(db):
    Company.load().full_clean()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"kid_invoice_digits": 0, "kid_customer_digits": 0},
            "A KID rule needs the invoice number, the customer number or both.",
        ),
        (
            {"kid_invoice_digits": 20, "kid_customer_digits": 5},
            "A KID has 2 to 25 characters including the check digit; this rule makes 26.",
        ),
        ({"kid_fixed_digits": "12a"}, "Fixed KID digits must be digits 0-9, not '12a'."),
        (
            {"kid_algorithm": "MOD10", "kid_mod11_dash": "variant"},
            "A variant digit only applies to MOD11; a MOD10 check digit is never '-'.",
        ),
    ],
)
def test_a_kid_setting_that_cannot_work_is_refused(db, changes, reason):
    company = Company.load()
    for field, value in changes.items():
        setattr(company, field, value)
    with pytest.raises(ValidationError) as caught:
        company.full_clean()
    assert caught.value.messages == [f"This KID setting cannot work: {reason}"]


def test_a_switched_off_kid_is_not_checked(db):
    company = Company.load()
    company.kid_enabled = False
    company.kid_invoice_digits = company.kid_customer_digits = 0
    company.full_clean()
