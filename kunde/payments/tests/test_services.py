from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kunde.activity.models import ActivityEntry
from kunde.invoices import services as invoice_services
from kunde.payments import services
from kunde.payments.models import MatchRule, Payment, PaymentChangeError, PaymentMethod
from kunde.payments.selectors import customer_credit_ore

TODAY = timezone.localdate


def unmatched(amount_ore=100_000, **fields):
    return Payment.objects.create(
        amount_ore=amount_ore,
        date=TODAY() - timedelta(days=1),
        method=PaymentMethod.OCR,
        match_rule=MatchRule.UNMATCHED,
        **fields,
    )


def credit(customer, amount_ore, actor):
    """Give the customer credit the way the bank does: an overpayment."""
    return Payment.objects.create(
        customer=customer,
        amount_ore=amount_ore,
        date=TODAY(),
        method=PaymentMethod.OCR,
        match_rule=MatchRule.OVERPAYMENT,
        created_by=actor,
    )


# payment_register ------------------------------------------------------------------------------


def test_register_books_a_manual_payment_and_logs_it(invoice, finance):
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=40_000, date=TODAY(), method="cash"
    )

    assert (payment.invoice, payment.customer, payment.amount_ore) == (
        invoice,
        invoice.customer,
        40_000,
    )
    assert (payment.method, payment.match_rule, payment.created_by) == ("cash", "manual", finance)
    assert services.invoice_open_ore(invoice) == 60_000
    entry = ActivityEntry.objects.get(action="payment.registered")
    assert entry.customer == invoice.customer
    assert entry.actor == finance
    assert str(invoice) in entry.text


def test_register_on_a_real_issued_invoice(company, customer, finance):
    draft = invoice_services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": "Rådgivning", "quantity": "2", "unit_price_ore": 100_000}],
    )
    invoice = invoice_services.invoice_issue(actor=finance, invoice=draft)

    services.payment_register(
        actor=finance, invoice=invoice, amount_ore=invoice.total_ore, date=TODAY()
    )

    assert services.invoice_open_ore(invoice) == 0


def test_register_refuses_a_draft(company, customer, finance):
    draft = invoice_services.invoice_draft_create(actor=finance, customer=customer, lines=[])

    with pytest.raises(ValidationError, match="A draft cannot be paid"):
        services.payment_register(actor=finance, invoice=draft, amount_ore=100, date=TODAY())


def test_register_refuses_a_credit_note(make_invoice, finance):
    credit_note = make_invoice(-10_000, credited_invoice=make_invoice(10_000))

    with pytest.raises(ValidationError, match="not on credit notes"):
        services.payment_register(actor=finance, invoice=credit_note, amount_ore=100, date=TODAY())


@pytest.mark.parametrize("amount", [0, "100", 1.5, True])
def test_register_refuses_an_amount_that_is_not_a_whole_nonzero_number(invoice, finance, amount):
    with pytest.raises(ValidationError, match="other than 0"):
        services.payment_register(actor=finance, invoice=invoice, amount_ore=amount, date=TODAY())


def test_register_refuses_a_future_date(invoice, finance):
    with pytest.raises(ValidationError, match="future"):
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=100, date=TODAY() + timedelta(days=1)
        )


def test_register_refuses_an_unknown_method(invoice, finance):
    with pytest.raises(ValidationError, match="how the payment was made"):
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=100, date=TODAY(), method="write_off"
        )


def test_a_negative_payment_needs_a_note(invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=100_000, date=TODAY())

    with pytest.raises(ValidationError, match="needs a note"):
        services.payment_register(actor=finance, invoice=invoice, amount_ore=-50_000, date=TODAY())
    refund = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=-50_000, date=TODAY(), note="Paid twice"
    )

    assert (refund.amount_ore, refund.note) == (-50_000, "Paid twice")
    assert services.invoice_open_ore(invoice) == 50_000


def test_a_negative_payment_cannot_take_out_more_than_was_paid(invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=10_000, date=TODAY())

    with pytest.raises(ValidationError, match="cannot take out more"):
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=-10_001, date=TODAY(), note="Refund"
        )


# Append-only -----------------------------------------------------------------------------------


def test_a_booked_payment_cannot_be_changed_or_deleted(invoice, finance):
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=10_000, date=TODAY()
    )
    payment.amount_ore = 1

    with pytest.raises(PaymentChangeError):
        payment.save()
    with pytest.raises(PaymentChangeError):
        payment.save(update_fields=["invoice"])  # only an unmatched payment may be assigned
    with pytest.raises(PaymentChangeError):
        payment.delete()
    with pytest.raises(PaymentChangeError):
        Payment.objects.filter(pk=payment.pk).update(amount_ore=1)
    with pytest.raises(PaymentChangeError):
        Payment.objects.filter(pk=payment.pk).update(customer=None)
    with pytest.raises(PaymentChangeError):
        Payment.objects.all().delete()
    assert Payment.objects.get(pk=payment.pk).amount_ore == 10_000


def test_an_unmatched_payment_allows_only_its_assignment_fields_to_change(db):
    payment = unmatched(text="from the bank")
    payment.text = "changed"

    with pytest.raises(PaymentChangeError):
        payment.save()
    with pytest.raises(PaymentChangeError):
        payment.save(update_fields=["text"])
    with pytest.raises(PaymentChangeError):
        Payment.objects.filter(pk=payment.pk).update(amount_ore=5)


def test_correct_books_the_opposite_entry(invoice, finance):
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=100_000, date=TODAY() - timedelta(days=3)
    )

    correction = services.payment_correct(actor=finance, payment=payment, note="Wrong invoice")

    assert (correction.amount_ore, correction.invoice, correction.related) == (
        -100_000,
        invoice,
        payment,
    )
    assert (correction.method, correction.note) == (PaymentMethod.CORRECTION, "Wrong invoice")
    assert services.invoice_open_ore(invoice) == 100_000
    assert Payment.objects.get(pk=payment.pk).amount_ore == 100_000  # the first stays
    assert ActivityEntry.objects.filter(action="payment.corrected").count() == 1


def test_correct_needs_a_note_and_happens_once(invoice, finance):
    payment = services.payment_register(
        actor=finance, invoice=invoice, amount_ore=100_000, date=TODAY()
    )

    with pytest.raises(ValidationError, match="why"):
        services.payment_correct(actor=finance, payment=payment, note=" ")
    correction = services.payment_correct(actor=finance, payment=payment, note="Typo")
    with pytest.raises(ValidationError, match="already been corrected"):
        services.payment_correct(actor=finance, payment=payment, note="Again")
    with pytest.raises(ValidationError, match="cannot itself be corrected"):
        services.payment_correct(actor=finance, payment=correction, note="Undo")


def test_correct_refuses_an_unmatched_payment(finance):
    with pytest.raises(ValidationError, match="assigned to its customer before"):
        services.payment_correct(actor=finance, payment=unmatched(), note="Not ours")


def test_correct_refuses_credit_that_has_been_used(make_invoice, customer, finance):
    overpayment = credit(customer, 20_000, finance)
    services.credit_apply(
        actor=finance, customer=customer, invoice=make_invoice(50_000), amount_ore=20_000
    )

    with pytest.raises(ValidationError, match="has been used"):
        services.payment_correct(actor=finance, payment=overpayment, note="Mistake")


# Write-off -------------------------------------------------------------------------------------


def test_write_off_closes_a_remainder_within_the_tolerance(invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=99_950, date=TODAY())

    payment = services.payment_write_off(actor=finance, invoice=invoice, note="Rounding")

    assert (payment.amount_ore, payment.method, payment.match_rule) == (
        50,
        PaymentMethod.WRITE_OFF,
        MatchRule.WRITE_OFF,
    )
    assert services.invoice_open_ore(invoice) == 0
    assert ActivityEntry.objects.filter(action="payment.written_off").count() == 1


def test_write_off_of_exactly_the_tolerance_is_allowed(company, invoice, finance):
    company.write_off_tolerance_ore = 500
    company.save()
    services.payment_register(actor=finance, invoice=invoice, amount_ore=99_500, date=TODAY())

    assert services.payment_write_off(actor=finance, invoice=invoice).amount_ore == 500


def test_write_off_refuses_more_than_the_tolerance(invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=99_899, date=TODAY())

    with pytest.raises(ValidationError, match="only up to"):
        services.payment_write_off(actor=finance, invoice=invoice)
    assert services.invoice_open_ore(invoice) == 101


def test_write_off_refuses_an_invoice_with_nothing_open(invoice, finance):
    services.payment_register(actor=finance, invoice=invoice, amount_ore=100_000, date=TODAY())

    with pytest.raises(ValidationError, match="nothing open"):
        services.payment_write_off(actor=finance, invoice=invoice)


# Unmatched -------------------------------------------------------------------------------------


def test_assign_to_an_invoice_updates_the_unmatched_row_once(invoice, finance):
    payment = unmatched(40_000, kid="12345674", payer_name="Kari")

    written = services.unmatched_assign(actor=finance, payment=payment, invoice=invoice)

    assert written == [payment]
    payment.refresh_from_db()
    assert (payment.invoice, payment.customer, payment.match_rule) == (
        invoice,
        invoice.customer,
        MatchRule.ASSIGNED,
    )
    assert (payment.assigned_by, payment.amount_ore, payment.kid) == (finance, 40_000, "12345674")
    assert payment.assigned_at is not None
    assert services.invoice_open_ore(invoice) == 60_000
    assert ActivityEntry.objects.filter(action="payment.assigned").count() == 1
    with pytest.raises(ValidationError, match="already been assigned"):
        services.unmatched_assign(actor=finance, payment=payment, invoice=invoice)
    with pytest.raises(PaymentChangeError):
        Payment.objects.filter(pk=payment.pk).update(invoice=None)


def test_assign_more_than_open_moves_the_excess_to_credit(invoice, finance):
    payment = unmatched(130_000)

    first, minus, plus = services.unmatched_assign(actor=finance, payment=payment, invoice=invoice)

    assert first == payment
    assert (minus.invoice, minus.amount_ore, minus.match_rule, minus.related) == (
        invoice,
        -30_000,
        MatchRule.OVERPAYMENT,
        payment,
    )
    assert (plus.invoice, plus.amount_ore, plus.match_rule) == (None, 30_000, MatchRule.OVERPAYMENT)
    assert services.invoice_open_ore(invoice) == 0
    assert customer_credit_ore(invoice.customer) == 30_000


def test_assign_to_a_customer_makes_credit(customer, finance):
    payment = unmatched(25_000)

    services.unmatched_assign(actor=finance, payment=payment, customer=customer)

    payment.refresh_from_db()
    assert (payment.customer, payment.invoice) == (customer, None)
    assert customer_credit_ore(customer) == 25_000


def test_assign_needs_exactly_one_target(invoice, customer, finance):
    payment = unmatched()

    with pytest.raises(ValidationError, match="either an invoice or a customer"):
        services.unmatched_assign(actor=finance, payment=payment)
    with pytest.raises(ValidationError, match="either an invoice or a customer"):
        services.unmatched_assign(
            actor=finance, payment=payment, invoice=invoice, customer=customer
        )


def test_suggestions_find_the_invoice_number_in_the_text(make_invoice, finance):
    invoice = make_invoice(77_700)
    make_invoice(12_300)
    payment = unmatched(50_000, text=f"Betaling faktura {invoice.number} takk")

    suggestions = services.unmatched_suggestions(payment)

    assert [s.invoice for s in suggestions] == [invoice]
    assert suggestions[0].reasons == ("number",)
    assert suggestions[0].open_ore == 77_700


def test_suggestions_rank_same_amount_and_similar_payer_name_first(
    make_invoice, customer, other_customer, finance, django_assert_max_num_queries
):
    mine = make_invoice(45_000, customer=customer)
    theirs = make_invoice(45_000, customer=other_customer)
    paid = make_invoice(45_000, customer=other_customer)
    services.payment_register(actor=finance, invoice=paid, amount_ore=45_000, date=TODAY())
    payment = unmatched(45_000, payer_name="HAVBRIS DESIGN AS")

    with django_assert_max_num_queries(2):
        suggestions = services.unmatched_suggestions(payment)

    assert [s.invoice for s in suggestions] == [theirs, mine]
    assert suggestions[0].reasons == ("amount", "name")
    assert suggestions[1].reasons == ("amount",)


def test_suggestions_are_empty_without_clues(invoice):
    assert services.unmatched_suggestions(unmatched(1_234, text="hei")) == []


# Customer credit -------------------------------------------------------------------------------


def test_credit_apply_moves_credit_onto_an_invoice(invoice, customer, finance):
    credit(customer, 30_000, finance)

    taken, paid = services.credit_apply(
        actor=finance, customer=customer, invoice=invoice, amount_ore=30_000
    )

    assert (taken.invoice, taken.amount_ore, taken.match_rule) == (
        None,
        -30_000,
        MatchRule.CREDIT_APPLIED,
    )
    assert (paid.invoice, paid.amount_ore, paid.related) == (invoice, 30_000, taken)
    assert customer_credit_ore(customer) == 0
    assert services.invoice_open_ore(invoice) == 70_000
    assert ActivityEntry.objects.filter(action="payment.credit_applied").count() == 1


def test_credit_apply_refuses_more_than_the_credit_or_the_open_amount(
    make_invoice, customer, finance
):
    credit(customer, 30_000, finance)
    small = make_invoice(10_000)

    with pytest.raises(ValidationError, match="only 300,00"):
        services.credit_apply(actor=finance, customer=customer, invoice=small, amount_ore=30_001)
    with pytest.raises(ValidationError, match="Only 100,00"):
        services.credit_apply(actor=finance, customer=customer, invoice=small, amount_ore=20_000)
    with pytest.raises(ValidationError, match="above 0"):
        services.credit_apply(actor=finance, customer=customer, invoice=small, amount_ore=0)


def test_credit_apply_refuses_another_customers_invoice(
    make_invoice, customer, other_customer, finance
):
    credit(customer, 30_000, finance)

    with pytest.raises(ValidationError, match="another customer"):
        services.credit_apply(
            actor=finance,
            customer=customer,
            invoice=make_invoice(50_000, customer=other_customer),
            amount_ore=10_000,
        )


def test_credit_refund_books_a_negative_credit_row(customer, finance):
    credit(customer, 30_000, finance)

    with pytest.raises(ValidationError, match="how and where"):
        services.credit_refund(actor=finance, customer=customer, amount_ore=10_000, note="")
    with pytest.raises(ValidationError, match="only 300,00"):
        services.credit_refund(actor=finance, customer=customer, amount_ore=40_000, note="x")
    refund = services.credit_refund(
        actor=finance, customer=customer, amount_ore=10_000, note="To 1234.56.78903"
    )

    assert (refund.amount_ore, refund.method, refund.invoice) == (-10_000, "refund", None)
    assert customer_credit_ore(customer) == 20_000
    assert ActivityEntry.objects.filter(action="payment.credit_refunded").count() == 1


def test_services_take_dates_as_dates(invoice, finance):
    with pytest.raises(ValidationError, match="payment date"):
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=100, date=str(date.today())
        )


@pytest.mark.parametrize("amount", [10**12 + 1, -(10**12) - 1, 2**63])
def test_register_refuses_an_amount_beyond_the_shared_limit(invoice, finance, amount):
    # The same limit as bank files and the API (lib.money.MAX_AMOUNT_ORE); 2**63 is beyond
    # the database's bigint and was a 500.
    with pytest.raises(ValidationError, match="The largest amount accepted is"):
        services.payment_register(
            actor=finance, invoice=invoice, amount_ore=amount, date=TODAY(), note="x"
        )
    assert Payment.objects.count() == 0


def test_the_form_refuses_an_amount_beyond_the_shared_limit():
    from kunde.payments.forms import KronerField

    field = KronerField()
    assert field.clean("10 000 000 000,00") == 10**12
    with pytest.raises(ValidationError, match="The largest amount accepted is"):
        field.clean("10 000 000 000,01")
