from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kunde.invoices import services as invoice_services
from kunde.invoices.models import Invoice
from kunde.payments import selectors
from kunde.payments.models import MatchRule, Payment, PaymentMethod
from kunde.payments.selectors import (
    Ageing,
    ageing,
    customer_credit_ore,
    customer_ledger,
    ledger_totals,
    payment_states,
    unmatched_payments,
)

TODAY = date(2026, 11, 24)


def pay(invoice, amount_ore, day, *, customer=None, rule=MatchRule.MANUAL):
    return Payment.objects.create(
        customer=customer or invoice.customer,
        invoice=invoice,
        amount_ore=amount_ore,
        date=day,
        method=PaymentMethod.BANK,
        match_rule=rule,
    )


def credit(customer, amount_ore, day):
    return Payment.objects.create(
        customer=customer,
        amount_ore=amount_ore,
        date=day,
        method=PaymentMethod.OCR,
        match_rule=MatchRule.OVERPAYMENT,
    )


# payment_states --------------------------------------------------------------------------------


def test_states_of_invoices(make_invoice, finance):
    due_later = TODAY + timedelta(days=5)
    unpaid = make_invoice(10_000, due_date=due_later)
    partly = make_invoice(10_000, due_date=due_later)
    paid = make_invoice(10_000, due_date=TODAY - timedelta(days=30))
    over = make_invoice(10_000, due_date=due_later)
    late = make_invoice(10_000, due_date=TODAY - timedelta(days=12))
    credited = make_invoice(10_000, due_date=TODAY - timedelta(days=12))
    make_invoice(-10_000, credited_invoice=credited)
    half_credited = make_invoice(10_000, due_date=due_later)
    make_invoice(-4_000, credited_invoice=half_credited)
    pay(partly, 4_000, TODAY)
    pay(paid, 10_000, TODAY)
    pay(over, 12_000, TODAY)
    pay(late, 1_000, TODAY)
    pay(half_credited, 6_000, TODAY)

    states = payment_states(
        [unpaid, partly, paid, over, late, credited, half_credited], today=TODAY
    )

    assert {i.number: (s.status, s.open_ore, s.days_overdue) for i, s in _pairs(states)} == {
        unpaid.number: ("unpaid", 10_000, 0),
        partly.number: ("partially_paid", 6_000, 0),
        paid.number: ("paid", 0, 0),
        over.number: ("overpaid", -2_000, 0),
        late.number: ("overdue", 9_000, 12),
        credited.number: ("credited", 0, 0),
        half_credited.number: ("paid", 0, 0),
    }
    assert states[half_credited.pk].credited_ore == 4_000
    assert states[late.pk].paid_ore == 1_000


def _pairs(states):
    invoices = Invoice.objects.in_bulk(states)
    return [(invoices[pk], state) for pk, state in states.items()]


def test_drafts_and_credit_notes_have_no_state(company, customer, finance, make_invoice):
    draft = invoice_services.invoice_draft_create(actor=finance, customer=customer, lines=[])
    credit_note = make_invoice(-100, credited_invoice=make_invoice(100))

    assert payment_states([draft, credit_note]) == {draft.pk: None, credit_note.pk: None}


@pytest.mark.parametrize("count", [5, 50])
def test_states_take_one_query_for_any_page(make_invoice, django_assert_num_queries, count):
    invoices = [make_invoice(10_000) for _ in range(count)]
    for invoice in invoices:
        pay(invoice, 1_000, TODAY)
        make_invoice(-1_000, credited_invoice=invoice)

    with django_assert_num_queries(1):
        states = payment_states(invoices)

    assert {s.open_ore for s in states.values()} == {8_000}


def _status(invoice, **when):
    state = payment_states([invoice], **when)[invoice.pk]
    return state.status, state.paid_ore, state.open_ore, state.days_overdue


def test_a_state_as_of_an_earlier_day_counts_only_the_payments_up_to_it(make_invoice):
    """Paid in full on 10.11: overdue before that, paid from that day on."""
    invoice = make_invoice(10_000, issue_date=date(2026, 10, 20), due_date=date(2026, 11, 3))
    pay(invoice, 4_000, date(2026, 11, 1))
    pay(invoice, 6_000, date(2026, 11, 10))

    assert _status(invoice, as_of=date(2026, 10, 31)) == ("unpaid", 0, 10_000, 0)
    assert _status(invoice, as_of=date(2026, 11, 2)) == ("partially_paid", 4_000, 6_000, 0)
    assert _status(invoice, as_of=date(2026, 11, 5)) == ("overdue", 4_000, 6_000, 2)
    assert _status(invoice, as_of=date(2026, 11, 9)) == ("overdue", 4_000, 6_000, 6)
    assert _status(invoice, as_of=date(2026, 11, 10)) == ("paid", 10_000, 0, 0)
    assert _status(invoice, today=TODAY) == ("paid", 10_000, 0, 0)


def test_a_state_as_of_an_earlier_day_ignores_later_corrections(make_invoice):
    """An overpayment corrected later was overpaid on the day; the correction is a negative
    payment dated when it was booked."""
    invoice = make_invoice(10_000, issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15))
    pay(invoice, 12_000, date(2026, 10, 10))
    pay(invoice, -2_000, date(2026, 10, 20))

    assert _status(invoice, as_of=date(2026, 10, 12)) == ("overpaid", 12_000, -2_000, 0)
    assert _status(invoice, as_of=date(2026, 10, 20)) == ("paid", 10_000, 0, 0)


def test_a_credit_note_counts_from_its_issue_date(make_invoice):
    invoice = make_invoice(10_000, issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15))
    make_invoice(-10_000, credited_invoice=invoice, issue_date=date(2026, 10, 1))

    before = payment_states([invoice], as_of=date(2026, 9, 30))[invoice.pk]
    on_the_day = payment_states([invoice], as_of=date(2026, 10, 1))[invoice.pk]

    assert (before.status, before.credited_ore, before.open_ore, before.days_overdue) == (
        "overdue", 0, 10_000, 15
    )  # fmt: skip
    assert (on_the_day.status, on_the_day.credited_ore, on_the_day.open_ore) == (
        "credited", 10_000, 0
    )  # fmt: skip
    assert _status(invoice, today=TODAY)[0] == "credited"


def test_a_draft_credit_note_never_counts_as_of_a_day(customer, finance, make_invoice):
    invoice = make_invoice(10_000, issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15))
    Invoice.objects.create(
        kind="credit_note",
        status="draft",
        customer=customer,
        credited_invoice=invoice,
        issue_date=date(2026, 9, 20),
        total_ore=-10_000,
        created_by=finance,
    )

    assert _status(invoice, as_of=date(2026, 10, 1)) == ("overdue", 0, 10_000, 16)


def test_as_of_decides_overdue_rather_than_today(make_invoice):
    invoice = make_invoice(10_000, issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15))

    assert _status(invoice, as_of=date(2026, 9, 15), today=TODAY) == ("unpaid", 0, 10_000, 0)
    assert _status(invoice, as_of=date(2026, 9, 16), today=TODAY) == ("overdue", 0, 10_000, 1)
    assert _status(invoice, today=TODAY) == ("overdue", 0, 10_000, 70)


@pytest.mark.parametrize("count", [5, 50])
def test_states_as_of_a_day_take_one_query_for_any_page(
    make_invoice, django_assert_num_queries, count
):
    invoices = [make_invoice(10_000, issue_date=date(2026, 9, 1)) for _ in range(count)]
    for invoice in invoices:
        pay(invoice, 1_000, date(2026, 9, 10))
        pay(invoice, 9_000, date(2026, 11, 1))
        make_invoice(-1_000, credited_invoice=invoice, issue_date=date(2026, 10, 1))

    with django_assert_num_queries(1):
        states = payment_states(invoices, as_of=date(2026, 9, 14))

    assert {(s.status, s.open_ore) for s in states.values()} == {("partially_paid", 9_000)}


# The ledger ------------------------------------------------------------------------------------


@pytest.fixture
def history(make_invoice, customer):
    """Two invoices, a credit note, payments, and credit from an overpayment:

    01.09 invoice A 1 000,00   balance 1 000,00
    05.09 payment A  −400,00            600,00
    01.10 invoice B   500,00          1 100,00
    03.10 credit note on A −100,00    1 000,00
    10.10 payment A  −500,00            500,00  (A now paid)
    20.10 payment B  −600,00           −100,00  (B: 500,00 + 100,00 credit)
    """
    a = make_invoice(100_000, issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15))
    b = make_invoice(50_000, issue_date=date(2026, 10, 1), due_date=date(2026, 10, 15))
    note = make_invoice(-10_000, credited_invoice=a, issue_date=date(2026, 10, 3))
    pay(a, 40_000, date(2026, 9, 5))
    pay(a, 50_000, date(2026, 10, 10))
    pay(b, 50_000, date(2026, 10, 20), rule=MatchRule.KID_OVER)
    credit(customer, 10_000, date(2026, 10, 20))
    return a, b, note


def test_ledger_rows_and_running_balance(history, customer):
    a, b, note = history

    page = customer_ledger(customer, as_of=TODAY)

    assert page.count == 7
    assert [(r.date, r.kind, r.number, r.amount_ore, r.balance_ore) for r in page.rows] == [
        (date(2026, 9, 1), "invoice", a.number, 100_000, 100_000),
        (date(2026, 9, 5), "payment", a.number, -40_000, 60_000),
        (date(2026, 10, 1), "invoice", b.number, 50_000, 110_000),
        (date(2026, 10, 3), "credit_note", note.number, -10_000, 100_000),
        (date(2026, 10, 10), "payment", a.number, -50_000, 50_000),
        (date(2026, 10, 20), "payment", b.number, -50_000, 0),
        (date(2026, 10, 20), "payment", None, -10_000, -10_000),
    ]
    assert page.rows[3].invoice_id == a.pk
    assert page.rows[-1].match_rule == MatchRule.OVERPAYMENT


def test_ledger_as_of_a_date(history, customer):
    page = customer_ledger(customer, as_of=date(2026, 10, 2))

    assert [r.balance_ore for r in page.rows] == [100_000, 60_000, 110_000]


def test_ledger_open_only_keeps_open_invoices_and_their_rows(history, customer):
    a, b, note = history

    on_oct_2 = customer_ledger(customer, as_of=date(2026, 10, 2), open_only=True)
    today = customer_ledger(customer, as_of=TODAY, open_only=True)

    assert [(r.kind, r.invoice_id) for r in on_oct_2.rows] == [
        ("invoice", a.pk),
        ("payment", a.pk),
        ("invoice", b.pk),
    ]
    # The balance column stays the customer's balance at that point.
    assert [r.balance_ore for r in on_oct_2.rows] == [100_000, 60_000, 110_000]
    assert today.rows == [] and today.count == 0


def test_ledger_pages_newest_first(history, customer):
    page = customer_ledger(customer, as_of=TODAY, newest_first=True, limit=2, offset=1)

    assert page.count == 7
    assert [r.balance_ore for r in page.rows] == [0, 50_000]


def test_ledger_pages_oldest_first_carry_the_balance_over(history, customer):
    page = customer_ledger(customer, as_of=TODAY, limit=2, offset=2)

    assert [r.balance_ore for r in page.rows] == [110_000, 100_000]
    assert customer_ledger(customer, as_of=TODAY, offset=50).rows == []


@pytest.fixture
def crowded_days(make_invoice, customer):
    """Twelve entries on four days, every day with documents and payments, created out of date
    order so that ids and dates disagree."""
    days = [date(2026, 10, 4), date(2026, 10, 1), date(2026, 10, 3), date(2026, 10, 2)]
    for n, day in enumerate(days):
        invoice = make_invoice(10_000 * (n + 1), issue_date=day)
        pay(invoice, 1_000 * (n + 1), day)
        make_invoice(-100 * (n + 1), credited_invoice=invoice, issue_date=day)
        if n % 2:
            credit(customer, 7, day)
            pay(invoice, 3, day)


def _expected_ledger(customer) -> list[tuple]:
    """(date, kind, id, amount, balance) of the whole ledger, worked out here from the rows."""
    entries = [
        (i.issue_date, 0 if i.kind == "invoice" else 1, i.id, i.total_ore)
        for i in Invoice.objects.filter(customer=customer, status="issued")
    ] + [(p.date, 2, p.id, -p.amount_ore) for p in Payment.objects.filter(customer=customer)]
    balance, result = 0, []
    for day, kind, pk, amount in sorted(entries):
        balance += amount
        result.append((day, kind, pk, amount, balance))
    return result


@pytest.mark.parametrize("newest_first", [False, True])
def test_every_page_of_the_ledger_is_its_slice_of_the_whole(crowded_days, customer, newest_first):
    expected = _expected_ledger(customer)
    if newest_first:
        expected.reverse()
    kinds = {"invoice": 0, "credit_note": 1, "payment": 2}

    for limit in (1, 2, 3, 5, 14):
        for offset in range(len(expected) + 1):
            page = customer_ledger(
                customer, as_of=TODAY, newest_first=newest_first, limit=limit, offset=offset
            )
            got = [(r.date, kinds[r.kind], r.id, r.amount_ore, r.balance_ore) for r in page.rows]
            assert got == expected[offset : offset + limit], (limit, offset)
            assert page.count == (len(expected) if got else 0)


def test_ledger_of_another_customer_is_empty(history, other_customer):
    assert customer_ledger(other_customer).rows == []


def test_ledger_totals(history, customer):
    totals = ledger_totals(customer, TODAY)

    assert (totals.invoiced_ore, totals.credited_ore, totals.paid_ore) == (150_000, 10_000, 150_000)
    assert (totals.balance_ore, totals.credit_ore, totals.open_ore) == (-10_000, 10_000, 0)
    earlier = ledger_totals(customer, date(2026, 10, 2))
    assert (earlier.balance_ore, earlier.open_ore, earlier.credit_ore) == (110_000, 110_000, 0)


def test_customer_credit(history, customer):
    assert customer_credit_ore(customer) == 10_000


@pytest.mark.parametrize("count", [5, 50])
def test_ledger_query_count_does_not_grow(make_invoice, customer, count):
    for n in range(count):
        invoice = make_invoice(10_000, issue_date=date(2026, 1, 1) + timedelta(days=n))
        pay(invoice, 5_000, date(2026, 6, 1))

    with CaptureQueriesContext(connection) as queries:
        page = customer_ledger(customer, as_of=TODAY, limit=20)
        customer_ledger(customer, as_of=TODAY, open_only=True, limit=20)
        ledger_totals(customer, TODAY)
        ageing(customer, TODAY)
        customer_credit_ore(customer)

    assert len(queries) == 1 + 1 + 2 + 1 + 1
    assert page.count == 2 * count


# Ageing ----------------------------------------------------------------------------------------


def test_ageing_buckets(make_invoice, customer):
    def invoice(total, days_overdue):
        due = TODAY - timedelta(days=days_overdue)
        return make_invoice(total, issue_date=due - timedelta(days=14), due_date=due)

    invoice(100, -3)  # not due
    invoice(200, 0)  # due today: not overdue yet
    invoice(300, 1)
    half = invoice(400, 30)
    pay(half, 150, TODAY - timedelta(days=40))
    invoice(500, 31)
    invoice(600, 60)
    invoice(700, 61)
    invoice(800, 90)
    invoice(900, 91)
    paid = invoice(5_000, 200)
    pay(paid, 5_000, TODAY - timedelta(days=150))
    future = make_invoice(9_999, issue_date=TODAY + timedelta(days=1))  # after as_of
    assert future

    assert ageing(customer, TODAY) == Ageing(
        not_due=300, days_1_30=550, days_31_60=1_100, days_61_90=1_500, over_90=900
    )
    assert ageing(customer, TODAY).total == 4_350


def test_ageing_as_of_an_earlier_day_ignores_later_payments(make_invoice, customer):
    invoice = make_invoice(1_000, issue_date=date(2026, 9, 1), due_date=date(2026, 9, 15))
    pay(invoice, 1_000, date(2026, 11, 1))

    assert ageing(customer, date(2026, 10, 15)).days_1_30 == 1_000
    assert ageing(customer, TODAY).total == 0


def test_unmatched_payments_lists_only_unmatched(invoice):
    stray = Payment.objects.create(
        amount_ore=100, date=TODAY, method="ocr", match_rule=MatchRule.UNMATCHED
    )
    pay(invoice, 100, TODAY)

    assert list(unmatched_payments()) == [stray]


def test_selectors_module_exports_the_states():
    assert {
        selectors.UNPAID,
        selectors.PARTIALLY_PAID,
        selectors.PAID,
        selectors.OVERPAID,
        selectors.OVERDUE,
        selectors.CREDITED,
    } == {"unpaid", "partially_paid", "paid", "overpaid", "overdue", "credited"}
