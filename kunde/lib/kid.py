"""KID (kundeidentifikasjon): check digits, validation, and KIDs composed from invoice data.

Pure functions, no Django models; messages go through Django's gettext, so they come in the
user's language. MOD10 is Luhn (python-stdnum); MOD11 is the Nets variant, in which a check digit
of 10 is written "-". A KID has 2 to 25 characters including the check digit; the bank
agreement fixes the algorithm and the length(s).
"""

import re
from dataclasses import dataclass
from itertools import cycle
from operator import mul

from django.utils.translation import gettext as _
from stdnum import luhn

ALGORITHMS = ("MOD10", "MOD11")
PARTS = ("fixed", "customer", "invoice", "type")
MIN_LENGTH = 2
MAX_LENGTH = 25
DOCUMENT_TYPE_INVOICE = "1"
DOCUMENT_TYPE_CREDIT_NOTE = "3"

# Not \d, which also matches non-ASCII digits such as "٣".
_DIGITS = re.compile(r"[0-9]+")
_KID_CHARACTERS = {"MOD10": _DIGITS, "MOD11": re.compile(r"[0-9]*[0-9-]")}


class KidRuleError(ValueError):
    """A KID rule that cannot work, a number that does not fit it, or a KID it cannot have made."""


def mod10_check_digit(body: str) -> str:
    """The Luhn check digit for a body of digits."""
    _check_body(body)
    return luhn.calc_check_digit(body)


def mod11_check_digit(body: str) -> str:
    """The Nets MOD11 check digit for a body of digits: "0"-"9", or "-" for 10."""
    _check_body(body)
    return _mod11_digit(body)


# The check of a bank file's KIDs runs once per payment (100,000 in a large file), so validation
# uses these two lean versions of the same sums on a body already known to be digits. The tests
# compare them with stdnum's Luhn and with norwegian-numbers.
# Digits as bytes, translated to their values (or, for Luhn, the digit sums of their doubles),
# so that the sums run in C.
_VALUES = bytes.maketrans(b"0123456789", bytes(range(10)))
_LUHN_DOUBLED = bytes.maketrans(b"0123456789", bytes((0, 2, 4, 6, 8, 1, 3, 5, 7, 9)))
_MOD11_WEIGHTS = (2, 3, 4, 5, 6, 7)


def _luhn_digit(body: str) -> str:
    # The rightmost body digit is doubled (the check digit will stand to its right).
    digits = body.encode("ascii")
    total = sum(digits[::-2].translate(_LUHN_DOUBLED)) + sum(digits[-2::-2].translate(_VALUES))
    return str(-total % 10)


def _mod11_digit(body: str) -> str:
    # Weights 2, 3, 4, 5, 6, 7, 2, 3, ... from the right.
    values = body.encode("ascii").translate(_VALUES)[::-1]
    total = sum(map(mul, cycle(_MOD11_WEIGHTS), values))
    remainder = total % 11
    if remainder == 0:
        return "0"
    if remainder == 1:
        return "-"
    return str(11 - remainder)


_CHECK_DIGIT = {"MOD10": mod10_check_digit, "MOD11": mod11_check_digit}
_FAST_CHECK_DIGIT = {"MOD10": _luhn_digit, "MOD11": _mod11_digit}


def _check_body(body: str) -> None:
    if not isinstance(body, str) or not _DIGITS.fullmatch(body):
        raise ValueError(
            _("A KID body must be one or more digits 0-9, not %(body)r.") % {"body": body}
        )


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise KidRuleError(
            _("Unknown KID algorithm %(algorithm)r; use MOD10 or MOD11.") % {"algorithm": algorithm}
        )


def is_valid_kid(kid: str, algorithm: str, lengths: set[int] | None = None) -> bool:
    """Whether `kid` is a complete KID under `algorithm`, optionally of one of `lengths`.

    Returns False for any text that is not such a KID. An unknown algorithm is the caller's mistake,
    not bad input, and raises KidRuleError.
    """
    _check_algorithm(algorithm)
    if not isinstance(kid, str) or not MIN_LENGTH <= len(kid) <= MAX_LENGTH:
        return False
    if lengths is not None and len(kid) not in lengths:
        return False
    body, check_digit = kid[:-1], kid[-1]
    if not _DIGITS.fullmatch(body):
        return False
    # A "-" (or any other character) at the end passes only where the algorithm computes it.
    return _FAST_CHECK_DIGIT[algorithm](body) == check_digit


@dataclass(frozen=True)
class KidRule:
    """How the KIDs of one bank agreement are composed: zero-padded parts, then a check digit."""

    algorithm: str = "MOD10"  # "MOD10" or "MOD11"
    invoice_digits: int = 7  # invoice number, zero-padded to this many digits (0 = not used)
    customer_digits: int = 0  # customer number, zero-padded (0 = not used)
    fixed_digits: str = ""  # constant digits, e.g. an agreement or company prefix
    document_type_digit: bool = False  # one digit: 1 invoice, 3 credit note (Moment's TYPE token)
    order: tuple[str, ...] = ("fixed", "customer", "invoice", "type")
    # When a MOD11 check digit would be "-": "dash" keeps it; "variant" reserves one digit before
    # the check digit and uses the lowest variant 0-9 whose check digit is not "-".
    mod11_dash: str = "dash"

    def width(self, part: str) -> int:
        """How many digits `part` takes in the KID (0 when the rule does not use it)."""
        return {
            "fixed": len(self.fixed_digits),
            "customer": self.customer_digits,
            "invoice": self.invoice_digits,
            "type": 1 if self.document_type_digit else 0,
        }[part]

    @property
    def uses_variant(self) -> bool:
        return self.mod11_dash == "variant"

    @property
    def length(self) -> int:
        """Total KID length, including the variant digit (if any) and the check digit."""
        return sum(self.width(part) for part in PARTS) + self.uses_variant + 1

    def validate(self) -> None:
        _check_algorithm(self.algorithm)
        if self.mod11_dash not in ("dash", "variant"):
            raise KidRuleError(
                _("Unknown mod11_dash setting %(value)r; use 'dash' or 'variant'.")
                % {"value": self.mod11_dash}
            )
        if self.uses_variant and self.algorithm != "MOD11":
            raise KidRuleError(
                _("A variant digit only applies to MOD11; a MOD10 check digit is never '-'.")
            )
        for message, digits in (
            (
                _("The invoice number needs a whole number of digits (0 to leave it out), not %r."),
                self.invoice_digits,
            ),
            (
                _(
                    "The customer number needs a whole number of digits (0 to leave it out), "
                    "not %r."
                ),
                self.customer_digits,
            ),
        ):
            if not isinstance(digits, int) or isinstance(digits, bool) or digits < 0:
                raise KidRuleError(message % (digits,))
        if not isinstance(self.fixed_digits, str) or (
            self.fixed_digits and not _DIGITS.fullmatch(self.fixed_digits)
        ):
            raise KidRuleError(
                _("Fixed KID digits must be digits 0-9, not %(value)r.")
                % {"value": self.fixed_digits}
            )
        self._validate_order()
        if not (self.invoice_digits or self.customer_digits):
            raise KidRuleError(
                _("A KID rule needs the invoice number, the customer number or both.")
            )
        if not MIN_LENGTH <= self.length <= MAX_LENGTH:
            raise KidRuleError(
                _(
                    "A KID has %(min)s to %(max)s characters including the check digit; this rule "
                    "makes %(length)s."
                )
                % {"min": MIN_LENGTH, "max": MAX_LENGTH, "length": self.length}
            )

    def _validate_order(self) -> None:
        for part in self.order:
            if part not in PARTS:
                raise KidRuleError(
                    _("Unknown KID part %(part)r; the parts are %(parts)s.")
                    % {"part": part, "parts": ", ".join(PARTS)}
                )
        for part in PARTS:
            if self.order.count(part) > 1:
                raise KidRuleError(
                    _("The KID part %(part)r appears more than once in the order.") % {"part": part}
                )
            if self.width(part) and part not in self.order:
                raise KidRuleError(
                    _("The KID rule uses the %(part)r part but its order leaves it out.")
                    % {"part": part}
                )


def make_kid(
    rule: KidRule, *, invoice_number: int, customer_number: int, credit_note: bool = False
) -> str:
    """The KID for one invoice or credit note. Numbers the rule does not use are ignored."""
    rule.validate()
    values = {
        "fixed": rule.fixed_digits,
        "customer": _padded("customer", customer_number, rule.customer_digits),
        "invoice": _padded("invoice", invoice_number, rule.invoice_digits),
        "type": _document_type(rule, credit_note),
    }
    body = "".join(values[part] for part in rule.order)
    if rule.uses_variant:
        body += _variant(body)
    return body + _CHECK_DIGIT[rule.algorithm](body)


def _padded(part: str, number: int, digits: int) -> str:
    if digits == 0:
        return ""
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        message = (
            _("Customer number must be a whole number of 0 or more, not %(number)r.")
            if part == "customer"
            else _("Invoice number must be a whole number of 0 or more, not %(number)r.")
        )
        raise KidRuleError(message % {"number": number})
    text = str(number)
    if len(text) > digits:
        message = (
            _(
                "Customer number %(number)s needs %(length)s digits but the KID rule has room "
                "for %(digits)s."
            )
            if part == "customer"
            else _(
                "Invoice number %(number)s needs %(length)s digits but the KID rule has room "
                "for %(digits)s."
            )
        )
        raise KidRuleError(message % {"number": number, "length": len(text), "digits": digits})
    return text.zfill(digits)


def _document_type(rule: KidRule, credit_note: bool) -> str:
    if not rule.document_type_digit:
        return ""
    return DOCUMENT_TYPE_CREDIT_NOTE if credit_note else DOCUMENT_TYPE_INVOICE


def _variant(body: str) -> str:
    # The variant digit has weight 2, so the ten variants give ten different remainders and at
    # most one of them gives "-": the result is always "0" or "1".
    return next(v for v in "0123456789" if mod11_check_digit(body + v) != "-")


def parse_kid(rule: KidRule, kid: str) -> dict[str, int | bool | None]:
    """The numbers in a KID made by `rule`; None for parts the rule does not use.

    Raises KidRuleError for a KID that `rule` cannot have made.
    """
    rule.validate()
    if not isinstance(kid, str) or not _KID_CHARACTERS[rule.algorithm].fullmatch(kid):
        raise KidRuleError(
            _("KID %(kid)r must be digits 0-9 only (MOD11 also allows a final '-').") % {"kid": kid}
        )
    if len(kid) != rule.length:
        raise KidRuleError(
            _("KID %(kid)s has %(length)s characters but this rule makes KIDs of %(rule)s.")
            % {"kid": kid, "length": len(kid), "rule": rule.length}
        )
    if not is_valid_kid(kid, rule.algorithm):
        raise KidRuleError(
            _("KID %(kid)s has the wrong %(algorithm)s check digit.")
            % {"kid": kid, "algorithm": rule.algorithm}
        )

    fields: dict[str, str] = {}
    position = 0
    for part in rule.order:
        fields[part] = kid[position : position + rule.width(part)]
        position += rule.width(part)
    if rule.uses_variant:
        expected = _variant(kid[:position])
        if kid[position] != expected:
            raise KidRuleError(
                _("KID %(kid)s has variant digit %(digit)s but this rule would use %(expected)s.")
                % {"kid": kid, "digit": kid[position], "expected": expected}
            )
    if fields.get("fixed", "") != rule.fixed_digits:
        raise KidRuleError(
            _("KID %(kid)s does not hold this rule's fixed digits %(fixed)s.")
            % {"kid": kid, "fixed": rule.fixed_digits}
        )
    document_type = fields.get("type", "")
    if rule.document_type_digit and document_type not in (
        DOCUMENT_TYPE_INVOICE,
        DOCUMENT_TYPE_CREDIT_NOTE,
    ):
        raise KidRuleError(
            _(
                "KID %(kid)s has document type digit %(digit)s; expected %(invoice)s (invoice) or "
                "%(credit_note)s (credit note)."
            )
            % {
                "kid": kid,
                "digit": document_type,
                "invoice": DOCUMENT_TYPE_INVOICE,
                "credit_note": DOCUMENT_TYPE_CREDIT_NOTE,
            }
        )
    credit_note = document_type == DOCUMENT_TYPE_CREDIT_NOTE
    return {
        "customer_number": int(fields["customer"]) if rule.customer_digits else None,
        "invoice_number": int(fields["invoice"]) if rule.invoice_digits else None,
        "credit_note": credit_note if rule.document_type_digit else None,
    }
