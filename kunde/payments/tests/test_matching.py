from datetime import date

import pytest
from django.db import transaction

from kunde.payments.matching import Incoming, open_amounts, payments_book, payments_match
from kunde.payments.models import MatchRule, Payment, source_key
from kunde.payments.selectors import customer_credit_ore

DAY = date(2026, 11, 20)


def book(incoming, actor):
    with transaction.atomic():
        result = payments_match(incoming, actor=actor)
        payments_book(result)
    return result


def pay(amount_ore, *kids, **extra):
    return Incoming(amount_ore=amount_ore, date=DAY, kid_candidates=kids, **extra)


def test_exact_amount_on_the_kid_pays_the_invoice(invoice, finance):
    result = book([pay(100_000, invoice.kid, identity="ocr:1:1:1")], finance)

    payment = Payment.objects.get()
    assert (payment.invoice, payment.customer) == (invoice, invoice.customer)
    assert payment.match_rule == MatchRule.KID_EXACT
    assert (payment.amount_ore, payment.kid, payment.source_key) == (
        100_000,
        invoice.kid,
        source_key("ocr:1:1:1"),
    )
    assert result.matched == 1
    assert open_amounts([invoice.pk]) == {invoice.pk: 0}


def test_less_than_open_is_a_partial_payment(invoice, finance):
    result = book([pay(40_000, invoice.kid)], finance)

    assert Payment.objects.get().match_rule == MatchRule.KID_PARTIAL
    assert result.partial == 1
    assert open_amounts([invoice.pk]) == {invoice.pk: 60_000}


def test_more_than_open_settles_the_invoice_and_keeps_the_excess_as_credit(invoice, finance):
    result = book([pay(125_000, invoice.kid, payer_name="Ola")], finance)

    on_invoice, excess = Payment.objects.order_by("pk")
    assert (on_invoice.invoice, on_invoice.amount_ore) == (invoice, 100_000)
    assert on_invoice.match_rule == MatchRule.KID_OVER
    assert (excess.invoice, excess.customer) == (None, invoice.customer)
    assert (excess.amount_ore, excess.match_rule) == (25_000, MatchRule.OVERPAYMENT)
    assert excess.related == on_invoice
    assert excess.source_key is None
    assert result.over == 1
    assert open_amounts([invoice.pk]) == {invoice.pk: 0}
    assert customer_credit_ore(invoice.customer) == 25_000


def test_several_payments_on_one_kid_add_up(invoice, finance):
    result = book(
        [pay(30_000, invoice.kid), pay(70_000, invoice.kid), pay(10_000, invoice.kid)], finance
    )

    rules = list(Payment.objects.order_by("pk").values_list("match_rule", "amount_ore", "invoice"))
    assert rules == [
        (MatchRule.KID_PARTIAL, 30_000, invoice.pk),
        (MatchRule.KID_EXACT, 70_000, invoice.pk),
        (MatchRule.OVERPAYMENT, 10_000, None),
    ]
    assert (result.partial, result.matched, result.over) == (1, 1, 1)
    assert customer_credit_ore(invoice.customer) == 10_000


def test_a_later_batch_sees_what_earlier_payments_left_open(invoice, finance):
    book([pay(100_000, invoice.kid)], finance)
    book([pay(100_000, invoice.kid)], finance)

    second = Payment.objects.order_by("pk").last()
    assert (second.match_rule, second.invoice, second.customer) == (
        MatchRule.OVERPAYMENT,
        None,
        invoice.customer,
    )


def test_credit_notes_reduce_what_is_open(make_invoice, finance):
    invoice = make_invoice(100_000)
    make_invoice(-30_000, credited_invoice=invoice)

    result = book([pay(70_000, invoice.kid)], finance)

    assert result.matched == 1


def test_a_reversal_with_a_kid_reopens_the_invoice(invoice, finance):
    book([pay(100_000, invoice.kid)], finance)
    result = book([pay(-100_000, invoice.kid)], finance)

    reversal = Payment.objects.order_by("pk").last()
    assert (reversal.match_rule, reversal.invoice, reversal.amount_ore) == (
        MatchRule.KID_REVERSAL,
        invoice,
        -100_000,
    )
    assert result.reversals == 1
    assert open_amounts([invoice.pk]) == {invoice.pk: 100_000}


@pytest.mark.parametrize(
    "kids",
    [
        pytest.param((), id="no KID"),
        pytest.param(("12345674",), id="valid KID no invoice has"),
        pytest.param(("12345675",), id="bad check digit"),
    ],
)
def test_payments_without_a_known_kid_are_unmatched_and_keep_the_bank_data(invoice, finance, kids):
    result = book(
        [pay(100_000, *kids, payer_name="Kari Nordmann", payer_account="12345678903", text="hei")],
        finance,
    )

    payment = Payment.objects.get()
    assert (payment.customer, payment.invoice, payment.match_rule) == (
        None,
        None,
        MatchRule.UNMATCHED,
    )
    assert (payment.kid, payment.payer_name, payment.text) == (
        kids[0] if kids else "",
        "Kari Nordmann",
        "hei",
    )
    assert result.unmatched == 1


def test_a_bad_check_digit_is_not_matched_even_if_an_invoice_has_that_kid(invoice, finance):
    # The KID stored on the invoice is valid; one with its last digit changed is not looked up.
    wrong = invoice.kid[:-1] + str((int(invoice.kid[-1]) + 1) % 10)

    book([pay(100_000, wrong)], finance)

    assert Payment.objects.get().match_rule == MatchRule.UNMATCHED


def test_the_kid_of_a_credit_note_is_not_paid(make_invoice, finance):
    invoice = make_invoice(100_000)
    credit_note = make_invoice(-100_000, credited_invoice=invoice)

    book([pay(100_000, credit_note.kid)], finance)

    assert Payment.objects.get().match_rule == MatchRule.UNMATCHED


def test_a_payment_in_another_currency_is_not_matched(invoice, finance):
    book([pay(100_000, invoice.kid, currency="EUR")], finance)

    payment = Payment.objects.get()
    assert (payment.match_rule, payment.currency) == (MatchRule.UNMATCHED, "EUR")


def test_the_first_candidate_an_invoice_has_wins(make_invoice, finance):
    first, second = make_invoice(50_000), make_invoice(80_000)

    book([pay(80_000, "12345674", second.kid, first.kid)], finance)

    assert Payment.objects.get().invoice == second


def test_mod11_kids_are_checked_with_mod11(company, make_invoice, finance):
    company.kid_algorithm = "MOD11"
    company.save()
    invoice = make_invoice(10_000)

    book([pay(10_000, invoice.kid), pay(10_000, "123456789")], finance)

    rules = list(Payment.objects.order_by("pk").values_list("match_rule", flat=True))
    assert rules == [MatchRule.KID_EXACT, MatchRule.UNMATCHED]


def test_kids_are_looked_up_in_chunks_with_one_query_each(
    make_invoice, finance, django_assert_num_queries, monkeypatch
):
    from kunde.payments import matching

    monkeypatch.setattr(matching, "SQLITE_CHUNK", 3)
    monkeypatch.setattr(matching, "POSTGRES_CHUNK", 3)
    invoices = [make_invoice(10_000) for _ in range(7)]
    incoming = [pay(10_000, i.kid) for i in invoices]

    # The company's KID rule, then one query per chunk of 3 KIDs (with the open amounts).
    with django_assert_num_queries(1 + 3):
        result = payments_match(incoming, actor=finance, lock=False)

    assert result.matched == 7


def test_a_source_key_booked_twice_is_refused_by_the_database(invoice, finance):
    from django.db import IntegrityError

    book([pay(100, invoice.kid, identity="camt:E1:T1")], finance)

    with pytest.raises(IntegrityError), transaction.atomic():
        book([pay(100, invoice.kid, identity="camt:E1:T1")], finance)
    assert Payment.objects.count() == 1


# Several KIDs in one transaction ---------------------------------------------------------------


def rows():
    return list(
        Payment.objects.order_by("pk").values_list(
            "invoice", "amount_ore", "match_rule", "kid", "source_key"
        )
    )


def test_several_kids_of_one_customer_pay_each_invoice_exactly(make_invoice, finance):
    a, b = make_invoice(100_000), make_invoice(50_000)

    result = book([pay(150_000, a.kid, b.kid, identity="camt:E1:T1")], finance)

    assert rows() == [
        (a.pk, 100_000, MatchRule.KID_EXACT, a.kid, source_key("camt:E1:T1")),
        (b.pk, 50_000, MatchRule.KID_EXACT, b.kid, source_key("camt:E1:T1:kid2")),
    ]
    first, second = Payment.objects.order_by("pk")
    assert (second.customer, second.related) == (a.customer, first)
    assert (result.matched, result.partial, result.over, result.unmatched) == (1, 0, 0, 0)
    assert open_amounts([a.pk, b.pk]) == {a.pk: 0, b.pk: 0}


def test_several_kids_with_too_little_money_pay_in_the_order_given(make_invoice, finance):
    a, b = make_invoice(100_000), make_invoice(50_000)

    result = book([pay(120_000, b.kid, a.kid, identity="camt:E1:T1")], finance)

    assert rows() == [
        (b.pk, 50_000, MatchRule.KID_EXACT, b.kid, source_key("camt:E1:T1")),
        (a.pk, 70_000, MatchRule.KID_PARTIAL, a.kid, source_key("camt:E1:T1:kid2")),
    ]
    assert (result.matched, result.partial, result.over) == (0, 1, 0)
    assert open_amounts([a.pk, b.pk]) == {a.pk: 30_000, b.pk: 0}


def test_several_kids_with_too_much_money_keep_the_rest_as_credit(make_invoice, finance):
    a, b = make_invoice(100_000), make_invoice(50_000)

    result = book([pay(170_000, a.kid, b.kid, identity="camt:E1:T1")], finance)

    assert rows() == [
        (a.pk, 100_000, MatchRule.KID_EXACT, a.kid, source_key("camt:E1:T1")),
        (b.pk, 50_000, MatchRule.KID_EXACT, b.kid, source_key("camt:E1:T1:kid2")),
        (None, 20_000, MatchRule.OVERPAYMENT, a.kid, None),
    ]
    first = Payment.objects.order_by("pk").first()
    assert Payment.objects.get(invoice=None).related == first
    assert (result.matched, result.partial, result.over) == (0, 0, 1)
    assert customer_credit_ore(a.customer) == 20_000


def test_several_kids_skip_an_invoice_already_paid(make_invoice, finance):
    a, b = make_invoice(100_000), make_invoice(50_000)
    book([pay(100_000, a.kid)], finance)

    result = book([pay(50_000, a.kid, b.kid, identity="camt:E2:T1")], finance)

    assert rows()[1:] == [(b.pk, 50_000, MatchRule.KID_EXACT, b.kid, source_key("camt:E2:T1"))]
    assert result.matched == 1


def test_kids_of_two_customers_go_to_the_first_invoice_as_before(
    make_invoice, other_customer, finance
):
    a = make_invoice(100_000)
    theirs = make_invoice(50_000, customer=other_customer)

    result = book([pay(150_000, a.kid, theirs.kid, identity="camt:E1:T1")], finance)

    assert rows() == [
        (a.pk, 100_000, MatchRule.KID_OVER, a.kid, source_key("camt:E1:T1")),
        (None, 50_000, MatchRule.OVERPAYMENT, a.kid, None),
    ]
    assert result.over == 1
    assert open_amounts([theirs.pk]) == {theirs.pk: 50_000}


# A KID that names a customer, not an invoice ----------------------------------------------------


@pytest.fixture
def customer_kid_rule(company):
    """KIDs of 5 customer digits + 7 invoice digits + MOD10, set before any invoice is made."""
    company.kid_customer_digits = 5
    company.save()
    return company


def customer_kid(company, customer):
    from kunde.company.kid import kid_rule
    from kunde.lib import kid as kid_lib

    return kid_lib.make_kid(kid_rule(company), invoice_number=0, customer_number=customer.number)


def test_a_customer_kid_pays_the_open_invoices_oldest_due_first(
    customer_kid_rule, make_invoice, customer, other_customer, finance
):
    late = make_invoice(100_000, due_date=date(2026, 12, 10))
    oldest = make_invoice(50_000, due_date=date(2026, 11, 1))
    middle = make_invoice(20_000, due_date=date(2026, 11, 15))
    theirs = make_invoice(30_000, customer=other_customer, due_date=date(2026, 10, 1))
    kid = customer_kid(customer_kid_rule, customer)

    result = book([pay(60_000, kid, identity="ocr:1:1:1")], finance)

    assert rows() == [
        (oldest.pk, 50_000, MatchRule.KID_EXACT, kid, source_key("ocr:1:1:1")),
        (middle.pk, 10_000, MatchRule.KID_PARTIAL, kid, source_key("ocr:1:1:1:kid2")),
    ]
    assert set(Payment.objects.values_list("customer", flat=True)) == {customer.pk}
    assert (result.partial, result.matched, result.unmatched) == (1, 0, 0)
    ids = [late.pk, middle.pk, theirs.pk]
    assert open_amounts(ids) == {late.pk: 100_000, middle.pk: 10_000, theirs.pk: 30_000}


def test_a_customer_kid_keeps_what_is_left_as_credit(
    customer_kid_rule, make_invoice, customer, finance
):
    late = make_invoice(100_000, due_date=date(2026, 12, 10))
    early = make_invoice(50_000, due_date=date(2026, 11, 1))
    kid = customer_kid(customer_kid_rule, customer)

    result = book([pay(180_000, kid, identity="ocr:1:1:1")], finance)

    assert rows() == [
        (early.pk, 50_000, MatchRule.KID_EXACT, kid, source_key("ocr:1:1:1")),
        (late.pk, 100_000, MatchRule.KID_EXACT, kid, source_key("ocr:1:1:1:kid2")),
        (None, 30_000, MatchRule.OVERPAYMENT, kid, None),
    ]
    assert result.over == 1
    assert customer_credit_ore(customer) == 30_000


def test_a_customer_kid_with_nothing_open_is_all_credit(customer_kid_rule, customer, finance):
    kid = customer_kid(customer_kid_rule, customer)

    result = book([pay(10_000, kid)], finance)

    payment = Payment.objects.get()
    assert (payment.customer, payment.invoice, payment.match_rule) == (
        customer,
        None,
        MatchRule.OVERPAYMENT,
    )
    assert result.over == 1


def test_a_kid_naming_no_customer_or_a_credit_note_stays_unmatched(
    customer_kid_rule, make_invoice, finance
):
    from kunde.company.kid import kid_rule
    from kunde.lib import kid as kid_lib

    invoice = make_invoice(100_000)
    credit_note = make_invoice(-100_000, credited_invoice=invoice)
    nobody = kid_lib.make_kid(kid_rule(customer_kid_rule), invoice_number=0, customer_number=99999)

    result = book([pay(10_000, nobody), pay(10_000, credit_note.kid)], finance)

    assert result.unmatched == 2
    assert set(Payment.objects.values_list("match_rule", flat=True)) == {MatchRule.UNMATCHED}


def test_without_customer_digits_a_customer_kid_is_not_looked_for(company, customer, finance):
    from kunde.company.kid import kid_rule
    from kunde.lib import kid as kid_lib

    rule = kid_rule(company)
    kid = kid_lib.make_kid(rule, invoice_number=customer.number, customer_number=0)

    result = book([pay(10_000, kid)], finance)

    assert result.unmatched == 1


def test_customer_kids_are_looked_up_in_bulk(
    customer_kid_rule, make_invoice, customer, other_customer, finance, django_assert_num_queries
):
    make_invoice(10_000)
    make_invoice(10_000, customer=other_customer)
    incoming = [
        pay(10_000, customer_kid(customer_kid_rule, c)) for c in (customer, other_customer)
    ] * 3

    # The company, the KIDs, the customers, their open invoices.
    with django_assert_num_queries(4):
        result = payments_match(incoming, actor=finance, lock=False)

    assert (result.matched, result.over) == (2, 4)
