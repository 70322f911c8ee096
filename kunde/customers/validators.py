"""Model-field validators that turn the number checks of kunde.lib into form errors."""

from django.core.exceptions import ValidationError

from kunde.lib import numbers


def _check(clean, value) -> None:
    try:
        clean(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid") from exc


def validate_organization_number(value: str) -> None:
    _check(numbers.clean_organization_number, value)


def validate_bank_account(value: str) -> None:
    _check(numbers.clean_bank_account, value)


def normalized(clean, value: str) -> str:
    """The compact form of a valid value; an invalid one unchanged (its validator reports it)."""
    if not value:
        return value
    try:
        return clean(value)
    except ValueError:
        return value
