import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from norwegian_numbers import make_kid_number, verify_kid_number
from stdnum import luhn

from kunde.lib.kid import (
    PARTS,
    KidRule,
    KidRuleError,
    is_valid_kid,
    make_kid,
    mod10_check_digit,
    mod11_check_digit,
    parse_kid,
)

DIGITS = "0123456789"
bodies = st.text(alphabet=DIGITS, min_size=1, max_size=24)
algorithms = st.sampled_from(["MOD10", "MOD11"])


def raises_message(message):
    return pytest.raises(KidRuleError, match=f"^{re.escape(message)}$")


# Published examples

# The 20 KIDs of netsgiro's test transmission (tests/data/ocr_giro_transactions.txt in
# otovo/python-netsgiro), a mix of MOD10 and MOD11 like the Nets OCR giro manual's example.
# Four of them pass both checks and appear in both lists.
NETS_MOD10_KIDS = [
    "02311291038304",
    "02321291038303",
    "02331291038302",
    "02341291038301",
    "02358291038305",
    "02311291029238",
    "02311291034832",
    "02311291133188",
]
NETS_MOD11_KIDS = [
    "0000531",
    "0036633",
    "0048763",
    "0063851",
    "0120243",
    "0165867",
    "0178357",
    "02212291038306",
    "02311291038304",
    "02310291038308",
    "000149012",
    "01211291038306",
    "02111291038305",
    "02311291133188",
]


@pytest.mark.parametrize("kid", NETS_MOD10_KIDS)
def test_it_accepts_the_mod10_kids_of_a_nets_transmission(kid):
    assert is_valid_kid(kid, "MOD10") is True
    assert mod10_check_digit(kid[:-1]) == kid[-1]


@pytest.mark.parametrize("kid", NETS_MOD11_KIDS)
def test_it_accepts_the_mod11_kids_of_a_nets_transmission(kid):
    assert is_valid_kid(kid, "MOD11") is True
    assert mod11_check_digit(kid[:-1]) == kid[-1]


def test_mod11_check_digit_of_the_nets_manual_example():
    # Sum 138, remainder 6, check digit 11 - 6.
    assert mod11_check_digit("12345678") == "5"
    assert is_valid_kid("123456785", "MOD11") is True


def test_mod11_check_digit_of_10_is_a_dash():
    assert mod11_check_digit("40") == "-"
    assert is_valid_kid("40-", "MOD11") is True
    assert is_valid_kid("40-", "MOD10") is False


def test_mod10_check_digit_of_a_luhn_example():
    assert mod10_check_digit("123456789") == "7"
    assert is_valid_kid("1234567897", "MOD10") is True


def test_moments_inv6cli6_example():
    rule = KidRule(invoice_digits=6, customer_digits=6, order=("invoice", "customer"))
    kid = make_kid(rule, invoice_number=4345, customer_number=23412)
    assert kid == "0043450234125"
    assert rule.length == 13
    assert parse_kid(rule, kid) == {
        "customer_number": 23412,
        "invoice_number": 4345,
        "credit_note": None,
    }


def test_unimicros_standard_kid():
    # Invoice number (7) + customer number (7) + MOD10.
    rule = KidRule(invoice_digits=7, customer_digits=7, order=("invoice", "customer"))
    assert make_kid(rule, invoice_number=5067, customer_number=100017) == "000506701000172"


@pytest.mark.parametrize(
    ("body", "algorithm", "kid"),
    [
        ("123456789", "MOD10", "1234567897"),
        ("004345023412", "MOD10", "0043450234125"),
        ("12345678", "MOD11", "123456785"),
        ("40", "MOD11", "40-"),
    ],
)
def test_the_examples_agree_with_norwegian_numbers(body, algorithm, kid):
    assert make_kid_number(body, algorithm) == kid
    assert verify_kid_number(kid, algorithm) is True


# is_valid_kid


@pytest.mark.parametrize(
    "kid",
    [
        "",
        "7",  # too short
        "1234567890123456789012341",  # 25 characters, wrong check digit
        "12345678901234567890123452",  # 26 characters
        " 1234567897",
        "1234567897\n",
        "1234 567897",
        "١٢٣٤٥٦٧٨٩٧",  # non-ASCII digits
        "123456789-",
        "-",
    ],
)
def test_it_rejects_what_is_not_a_mod10_kid(kid):
    assert is_valid_kid(kid, "MOD10") is False


def test_it_accepts_the_longest_and_shortest_kids():
    longest = "1" * 24 + mod10_check_digit("1" * 24)
    assert is_valid_kid(longest, "MOD10") is True
    assert is_valid_kid("00", "MOD10") is True


def test_a_dash_passes_only_where_mod11_computes_it():
    assert is_valid_kid("12345678-", "MOD11") is False
    assert is_valid_kid("4-0", "MOD11") is False


def test_it_checks_the_allowed_lengths():
    assert is_valid_kid("1234567897", "MOD10", {10, 15}) is True
    assert is_valid_kid("1234567897", "MOD10", {7, 15}) is False


def test_an_unknown_algorithm_is_a_programming_error():
    with raises_message("Unknown KID algorithm 'MOD12'; use MOD10 or MOD11."):
        is_valid_kid("1234567897", "MOD12")


@pytest.mark.parametrize("check_digit", [mod10_check_digit, mod11_check_digit])
@pytest.mark.parametrize("body", ["", "12a", " 12", "١٢"])
def test_check_digits_need_a_body_of_digits(check_digit, body):
    with pytest.raises(ValueError, match="A KID body must be one or more digits 0-9"):
        check_digit(body)


@given(kid=st.text(), algorithm=algorithms, lengths=st.none() | st.sets(st.integers(0, 30)))
def test_is_valid_kid_never_raises_on_text(kid, algorithm, lengths):
    assert is_valid_kid(kid, algorithm, lengths) in (True, False)


@given(kid=st.text(alphabet=DIGITS + "-", max_size=27), algorithm=algorithms)
def test_is_valid_kid_agrees_with_norwegian_numbers(kid, algorithm):
    assert is_valid_kid(kid, algorithm) is verify_kid_number(kid, algorithm)


@given(body=bodies)
def test_mod10_check_digit_agrees_with_norwegian_numbers(body):
    assert body + mod10_check_digit(body) == make_kid_number(body, "MOD10")


@given(body=bodies)
def test_mod11_check_digit_agrees_with_norwegian_numbers(body):
    assert body + mod11_check_digit(body) == make_kid_number(body, "MOD11")


# Error detection


def _kid(body, algorithm):
    check = mod10_check_digit if algorithm == "MOD10" else mod11_check_digit
    return body + check(body)


@given(body=bodies, algorithm=algorithms, data=st.data())
def test_every_single_character_change_is_detected(body, algorithm, data):
    kid = _kid(body, algorithm)
    i = data.draw(st.integers(0, len(kid) - 1), label="position")
    replacement = data.draw(st.sampled_from([c for c in DIGITS + "-" if c != kid[i]]))
    changed = kid[:i] + replacement + kid[i + 1 :]
    assert is_valid_kid(changed, algorithm) is False


@given(body=bodies, data=st.data())
def test_mod11_detects_every_adjacent_transposition(body, data):
    kid = _kid(body, "MOD11")
    i = data.draw(st.integers(0, len(kid) - 2), label="position")
    swapped = kid[:i] + kid[i + 1] + kid[i] + kid[i + 2 :]
    assert is_valid_kid(swapped, "MOD11") is (swapped == kid)


@given(body=bodies, data=st.data())
def test_mod10_detects_adjacent_transpositions_except_09_and_90(body, data):
    kid = _kid(body, "MOD10")
    i = data.draw(st.integers(0, len(kid) - 2), label="position")
    swapped = kid[:i] + kid[i + 1] + kid[i] + kid[i + 2 :]
    undetectable = swapped == kid or {kid[i], kid[i + 1]} == {"0", "9"}
    assert is_valid_kid(swapped, "MOD10") is undetectable


def test_mod10_misses_a_09_transposition():
    assert is_valid_kid("10900", "MOD10") is True
    assert is_valid_kid("19000", "MOD10") is True


# make_kid and parse_kid


def test_a_credit_note_gets_type_digit_3():
    rule = KidRule(customer_digits=5, invoice_digits=6, document_type_digit=True)
    invoice_kid = make_kid(rule, invoice_number=42, customer_number=7)
    credit_kid = make_kid(rule, invoice_number=43, customer_number=7, credit_note=True)
    assert invoice_kid[:12] == "00007" + "000042" + "1"
    assert credit_kid[:12] == "00007" + "000043" + "3"
    assert parse_kid(rule, invoice_kid)["credit_note"] is False
    assert parse_kid(rule, credit_kid)["credit_note"] is True


def test_fixed_digits_come_first_by_default():
    rule = KidRule(fixed_digits="987", invoice_digits=4)
    assert make_kid(rule, invoice_number=12, customer_number=99)[:7] == "9870012"
    assert rule.length == 8


def test_mod11_keeps_the_dash_by_default():
    rule = KidRule(algorithm="MOD11", fixed_digits="4", invoice_digits=1)
    kid = make_kid(rule, invoice_number=0, customer_number=0)
    assert kid == "40-"
    assert parse_kid(rule, kid)["invoice_number"] == 0


def test_a_variant_digit_avoids_the_dash():
    rule = KidRule(algorithm="MOD11", invoice_digits=1, mod11_dash="variant")
    # Body "4" with variant 0 would end in "-" (see "40-"), so variant 1 is used.
    assert make_kid(rule, invoice_number=4, customer_number=0) == "418"
    assert make_kid(rule, invoice_number=3, customer_number=0) == "302"
    assert rule.length == 3
    assert parse_kid(rule, "418")["invoice_number"] == 4


def test_numbers_the_rule_does_not_use_are_ignored():
    rule = KidRule(invoice_digits=3)
    assert parse_kid(rule, make_kid(rule, invoice_number=5, customer_number=-1)) == {
        "customer_number": None,
        "invoice_number": 5,
        "credit_note": None,
    }


@st.composite
def rules(draw):
    algorithm = draw(algorithms)
    rule = KidRule(
        algorithm=algorithm,
        invoice_digits=draw(st.integers(0, 10)),
        customer_digits=draw(st.integers(0, 10)),
        fixed_digits=draw(st.text(alphabet=DIGITS, max_size=5)),
        document_type_digit=draw(st.booleans()),
        order=tuple(draw(st.permutations(PARTS))),
        mod11_dash=draw(st.sampled_from(["dash", "variant"])) if algorithm == "MOD11" else "dash",
    )
    assume(_works(rule))
    return rule


def _works(rule):
    try:
        rule.validate()
    except KidRuleError:
        return False
    return True


def _number_that_fits(digits):
    return st.integers(0, 10**digits - 1) if digits else st.integers()


@given(rule=rules(), data=st.data())
def test_make_kid_round_trips_through_parse_kid(rule, data):
    invoice_number = data.draw(_number_that_fits(rule.invoice_digits), label="invoice")
    customer_number = data.draw(_number_that_fits(rule.customer_digits), label="customer")
    credit_note = data.draw(st.booleans(), label="credit_note")
    kid = make_kid(
        rule,
        invoice_number=invoice_number,
        customer_number=customer_number,
        credit_note=credit_note,
    )
    assert is_valid_kid(kid, rule.algorithm, {rule.length}) is True
    if rule.uses_variant:
        assert not kid.endswith("-")
    assert parse_kid(rule, kid) == {
        "customer_number": customer_number if rule.customer_digits else None,
        "invoice_number": invoice_number if rule.invoice_digits else None,
        "credit_note": credit_note if rule.document_type_digit else None,
    }


@given(rule=rules(), data=st.data())
def test_parse_kid_accepts_only_kids_the_rule_makes(rule, data):
    body = data.draw(st.text(alphabet=DIGITS, min_size=rule.length - 1, max_size=rule.length - 1))
    kid = _kid(body, rule.algorithm)
    try:
        parsed = parse_kid(rule, kid)
    except KidRuleError:
        return
    remade = make_kid(
        rule,
        invoice_number=parsed["invoice_number"] or 0,
        customer_number=parsed["customer_number"] or 0,
        credit_note=bool(parsed["credit_note"]),
    )
    assert remade == kid


# Errors


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (KidRule(algorithm="mod10"), "Unknown KID algorithm 'mod10'; use MOD10 or MOD11."),
        (
            KidRule(algorithm="MOD11", mod11_dash="skip"),
            "Unknown mod11_dash setting 'skip'; use 'dash' or 'variant'.",
        ),
        (
            KidRule(mod11_dash="variant"),
            "A variant digit only applies to MOD11; a MOD10 check digit is never '-'.",
        ),
        (
            KidRule(invoice_digits=-1),
            "The invoice number needs a whole number of digits (0 to leave it out), not -1.",
        ),
        (
            KidRule(customer_digits=-2),
            "The customer number needs a whole number of digits (0 to leave it out), not -2.",
        ),
        (
            KidRule(invoice_digits="7"),
            "The invoice number needs a whole number of digits (0 to leave it out), not '7'.",
        ),
        (KidRule(fixed_digits="12a"), "Fixed KID digits must be digits 0-9, not '12a'."),
        (KidRule(fixed_digits="١٢"), "Fixed KID digits must be digits 0-9, not '١٢'."),
        (
            KidRule(order=("invoice", "date")),
            "Unknown KID part 'date'; the parts are fixed, customer, invoice, type.",
        ),
        (
            KidRule(order=("invoice", "invoice")),
            "The KID part 'invoice' appears more than once in the order.",
        ),
        (
            KidRule(customer_digits=5, order=("invoice",)),
            "The KID rule uses the 'customer' part but its order leaves it out.",
        ),
        (
            KidRule(invoice_digits=0, fixed_digits="12"),
            "A KID rule needs the invoice number, the customer number or both.",
        ),
        (
            KidRule(invoice_digits=12, customer_digits=13),
            "A KID has 2 to 25 characters including the check digit; this rule makes 26.",
        ),
        (
            KidRule(algorithm="MOD11", mod11_dash="variant", invoice_digits=12, customer_digits=12),
            "A KID has 2 to 25 characters including the check digit; this rule makes 26.",
        ),
    ],
)
def test_it_rejects_a_rule_that_cannot_work(rule, message):
    with raises_message(message):
        rule.validate()
    with raises_message(message):
        make_kid(rule, invoice_number=1, customer_number=1)
    with raises_message(message):
        parse_kid(rule, "1234567897")


def test_the_longest_rule_fits():
    KidRule(invoice_digits=12, customer_digits=12).validate()


def test_it_never_truncates_an_invoice_number():
    with raises_message("Invoice number 12345678 needs 8 digits but the KID rule has room for 7."):
        make_kid(KidRule(invoice_digits=7), invoice_number=12345678, customer_number=1)


def test_it_never_truncates_a_customer_number():
    with raises_message("Customer number 100000 needs 6 digits but the KID rule has room for 5."):
        make_kid(KidRule(customer_digits=5), invoice_number=1, customer_number=100000)


@pytest.mark.parametrize("number", [-1, True, 1.0, "12"])
def test_it_rejects_an_invoice_number_that_is_not_a_whole_number(number):
    with raises_message(f"Invoice number must be a whole number of 0 or more, not {number!r}."):
        make_kid(KidRule(), invoice_number=number, customer_number=1)


MOD10_RULE = KidRule(customer_digits=3, invoice_digits=4, document_type_digit=True)
MOD11_VARIANT_RULE = KidRule(algorithm="MOD11", invoice_digits=1, mod11_dash="variant")


@pytest.mark.parametrize(
    ("rule", "kid", "message"),
    [
        (
            MOD10_RULE,
            "0070042 13",
            "KID '0070042 13' must be digits 0-9 only (MOD11 also allows a final '-').",
        ),
        (
            MOD10_RULE,
            "00700421-",
            "KID '00700421-' must be digits 0-9 only (MOD11 also allows a final '-').",
        ),
        (MOD10_RULE, "", "KID '' must be digits 0-9 only (MOD11 also allows a final '-')."),
        (
            MOD10_RULE,
            "1234567897",
            "KID 1234567897 has 10 characters but this rule makes KIDs of 9.",
        ),
        (MOD10_RULE, "007004210", "KID 007004210 has the wrong MOD10 check digit."),
        (
            MOD10_RULE,
            "007004229",
            "KID 007004229 has document type digit 2; expected 1 (invoice) or 3 (credit note).",
        ),
        (
            KidRule(fixed_digits="99", invoice_digits=3),
            "981233",
            "KID 981233 does not hold this rule's fixed digits 99.",
        ),
        (MOD11_VARIANT_RULE, "40-", "KID 40- has variant digit 0 but this rule would use 1."),
        (MOD11_VARIANT_RULE, "426", "KID 426 has variant digit 2 but this rule would use 1."),
    ],
)
def test_it_rejects_a_kid_the_rule_cannot_have_made(rule, kid, message):
    with raises_message(message):
        parse_kid(rule, kid)


@given(st.text(alphabet="0123456789", min_size=1, max_size=24))
def test_the_lean_check_digits_agree_with_the_public_ones(body):
    from kunde.lib.kid import _luhn_digit, _mod11_digit

    assert _luhn_digit(body) == mod10_check_digit(body) == luhn.calc_check_digit(body)
    assert _mod11_digit(body) == mod11_check_digit(body)
