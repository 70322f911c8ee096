"""Checks and formats for Norwegian identifiers, on top of python-stdnum.

Each `clean_*` returns the compact form or raises `ValueError` with a message fit for a user
(translated into the active language).
"""

from django.utils.translation import gettext as _
from stdnum import bic, iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import kontonr, mva, orgnr


def clean_organization_number(value: str) -> str:
    try:
        number = orgnr.validate(value)
    except StdnumError as exc:
        raise ValueError(
            _("Not a valid Norwegian organisation number (9 digits with a correct check digit).")
        ) from exc
    # stdnum accepts any 9 digits that pass MOD11; the register only hands out 8xx and 9xx.
    if number[0] not in "89":
        raise ValueError(_("Norwegian organisation numbers start with 8 or 9."))
    return number


def format_organization_number(value: str) -> str:
    return orgnr.format(value) if value else ""


def vat_number_for(organization_number: str) -> str:
    """The Norwegian VAT (MVA) number of a VAT-registered organisation."""
    return f"NO{organization_number}MVA"


def clean_vat_number(value: str, country: str) -> str:
    """A Norwegian VAT number must be NO + a valid org. number + MVA; others are kept as given."""
    compact = value.replace(" ", "").upper()
    if country != "NO":
        return compact
    try:
        return "NO" + mva.validate(compact).removeprefix("NO")
    except StdnumError as exc:
        raise ValueError(
            _("A Norwegian VAT number is NO, the organisation number, and MVA.")
        ) from exc


def clean_bank_account(value: str) -> str:
    """A Norwegian account number (11 digits, MOD11) or an IBAN, in compact form."""
    compact = value.replace(" ", "").replace(".", "").upper()
    if compact.isdigit():
        try:
            return kontonr.validate(compact)
        except StdnumError as exc:
            raise ValueError(
                _("Not a valid Norwegian account number (11 digits with a correct check digit).")
            ) from exc
    try:
        return iban.validate(compact)
    except StdnumError as exc:
        raise ValueError(_("Not a valid Norwegian account number or IBAN.")) from exc


def clean_iban(value: str) -> str:
    """An IBAN (any country, check digits correct), in compact form."""
    try:
        return iban.validate(value.replace(" ", "").upper())
    except StdnumError as exc:
        raise ValueError(_("Not a valid IBAN.")) from exc


def clean_bic(value: str) -> str:
    """A BIC (SWIFT code) of 8 or 11 characters, in compact form."""
    try:
        return bic.validate(value.replace(" ", "").upper())
    except StdnumError as exc:
        raise ValueError(_("Not a valid BIC (8 or 11 letters and digits).")) from exc


def format_bank_account(value: str) -> str:
    if not value:
        return ""
    if value.isdigit():
        return kontonr.format(value)
    return iban.format(value)


def organization_number_check_digit(first_eight: str) -> int | None:
    """MOD11 check digit for the first eight digits, or None when no valid number exists."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(first_eight, weights, strict=True)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder
