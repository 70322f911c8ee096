"""Every change to payments goes through these functions: they validate, save in one transaction
and write the customer's activity log. Views, the API, commands and tests call them.

Payments are append-only. There is no function that changes or deletes one: a mistake is
corrected with an opposite entry (`payment_correct`). The one change of a booked row is the
assignment of an unmatched payment to its owner (`unmatched_assign`), once.

Refusals raise `django.core.exceptions.ValidationError` with a message for the user. Imports of
bank files are in `kunde.payments.imports` (`payments_import`, re-exported here).
"""

import re
from dataclasses import dataclass
from datetime import date as date_type

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.models import Company
from kunde.customers.models import Customer
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceStatus
from kunde.lib.money import MAX_AMOUNT_ORE, amount_in_range, format_money
from kunde.payments.imports import PaymentImportRefused, payments_import
from kunde.payments.matching import open_amounts
from kunde.payments.models import MatchRule, Payment, PaymentMethod
from kunde.payments.selectors import with_open_ore

__all__ = [
    "MANUAL_METHODS",
    "PaymentImportRefused",
    "Suggestion",
    "credit_apply",
    "credit_refund",
    "invoice_open_ore",
    "payment_correct",
    "payment_register",
    "payment_write_off",
    "payments_import",
    "unmatched_assign",
    "unmatched_suggestions",
]

# Methods a person may choose when registering a payment by hand.
MANUAL_METHODS = (PaymentMethod.BANK, PaymentMethod.CASH, PaymentMethod.CARD)


def invoice_open_ore(invoice: Invoice) -> int:
    """What is still to pay on an issued invoice (`selectors.with_open_ore`; 1 query)."""
    return open_amounts([invoice.pk])[invoice.pk]


def _locked_invoice(invoice: Invoice) -> Invoice:
    """The invoice again, its row locked until the transaction ends, checked to be payable."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=invoice.pk)
    )
    if invoice.status != InvoiceStatus.ISSUED:
        raise ValidationError(_("A draft cannot be paid; issue it first."), code="draft")
    if invoice.kind != InvoiceKind.INVOICE:
        raise ValidationError(
            _("Payments are registered on invoices, not on credit notes."), code="credit_note"
        )
    return invoice


def _locked_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


def _credit_ore(customer_id: int) -> int:
    return (
        Payment.objects.filter(customer_id=customer_id, invoice=None).aggregate(
            s=Sum("amount_ore")
        )["s"]
        or 0
    )


def _log(payment: Payment, *, actor, action: str, params: dict) -> None:
    """The customer's activity entry; a payment of an earlier day shows that day."""
    day = params.get("date")
    on = day if isinstance(day, date_type) and day != timezone.localdate() else None
    log_activity(customer=payment.customer, actor=actor, action=action, params=params, on=on)


def _check_amount(amount_ore, *, positive: bool) -> None:
    """A whole number of øre, not 0 (above 0 when `positive`), within the one limit on amounts
    that bank files, the forms and the API share (`MAX_AMOUNT_ORE`)."""
    if not isinstance(amount_ore, int) or isinstance(amount_ore, bool):
        amount_ore = 0
    if positive and amount_ore <= 0:
        raise ValidationError({"amount_ore": _("Enter an amount above 0.")})
    if amount_ore == 0:
        raise ValidationError({"amount_ore": _("Enter an amount other than 0.")})
    if not amount_in_range(amount_ore):
        raise ValidationError(
            {
                "amount_ore": _("The largest amount accepted is %(max)s.")
                % {"max": format_money(MAX_AMOUNT_ORE)}
            }
        )


def _check_date(day) -> None:
    if not isinstance(day, date_type):
        raise ValidationError({"date": _("Enter the payment date.")})
    if day > timezone.localdate():
        raise ValidationError({"date": _("A payment date cannot be in the future.")})


# Manual payments ------------------------------------------------------------------------------


def payment_register(
    *, actor, invoice: Invoice, amount_ore: int, date, method: str = "bank", note: str = ""
) -> Payment:
    """A payment entered by hand on an issued invoice (not a draft, not a credit note).

    `amount_ore` is not 0. A negative amount (money paid back, a double payment taken out)
    needs a `note` saying why, and cannot take out more than has been paid on the invoice. The
    amount is booked as given, also when it is more than what is open (the invoice then shows
    as overpaid); the matching of bank files is what splits excess into customer credit.
    """
    note = (note or "").strip()
    _check_amount(amount_ore, positive=False)
    if method not in MANUAL_METHODS:
        raise ValidationError({"method": _("Choose how the payment was made.")})
    _check_date(date)
    if amount_ore < 0 and not note:
        raise ValidationError(
            {"note": _("A negative payment needs a note saying why (refund, double payment).")}
        )
    with transaction.atomic():
        invoice = _locked_invoice(invoice)
        if amount_ore < 0:
            paid = invoice.payments.aggregate(s=Sum("amount_ore"))["s"] or 0
            if -amount_ore > paid:
                raise ValidationError(
                    {
                        "amount_ore": _(
                            "Only %(paid)s has been paid on %(doc)s; a negative payment cannot "
                            "take out more."
                        )
                        % {"paid": format_money(paid), "doc": invoice}
                    }
                )
        payment = Payment.objects.create(
            customer=invoice.customer,
            invoice=invoice,
            amount_ore=amount_ore,
            currency=invoice.currency,
            date=date,
            method=method,
            match_rule=MatchRule.MANUAL,
            note=note[:500],
            created_by=actor,
        )
        _log(
            payment,
            actor=actor,
            action="payment.registered",
            params={"amount_ore": amount_ore, "date": date, "doc": invoice.activity_ref()},
        )
    return payment


def payment_correct(*, actor, payment: Payment, note: str) -> Payment:
    """Cancel a booked payment with an opposite entry (same customer and invoice, negated
    amount, `related` = the payment, method "correction"). The note saying why is required.

    A payment is corrected once; an unmatched payment is assigned first; a credit row is
    corrected only while the customer still has that much credit.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why the payment is corrected.")})
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.match_rule == MatchRule.UNMATCHED:
            raise ValidationError(
                _("An unmatched payment is assigned to its customer before it can be corrected.")
            )
        if Payment.objects.filter(related=payment, method=PaymentMethod.CORRECTION).exists():
            raise ValidationError(_("This payment has already been corrected."))
        if payment.method == PaymentMethod.CORRECTION:
            raise ValidationError(_("A correction cannot itself be corrected; book a new entry."))
        customer = _locked_customer(payment.customer)
        if payment.invoice_id is None and payment.amount_ore > _credit_ore(customer.pk):
            raise ValidationError(
                _("The customer's credit from this payment has been used; it cannot be undone.")
            )
        correction = Payment.objects.create(
            customer=customer,
            invoice_id=payment.invoice_id,
            amount_ore=-payment.amount_ore,
            currency=payment.currency,
            date=timezone.localdate(),
            method=PaymentMethod.CORRECTION,
            match_rule=MatchRule.MANUAL,
            note=note[:500],
            related=payment,
            created_by=actor,
        )
        _log(
            correction,
            actor=actor,
            action="payment.corrected",
            params={"amount_ore": payment.amount_ore, "date": payment.date, "note": note},
        )
    return correction


def payment_write_off(*, actor, invoice: Invoice, note: str = "") -> Payment:
    """Close an invoice by writing off its small remainder (rounding, bank fees): a payment of
    exactly what is open, method and rule "write_off". Allowed when 0 < open ≤ the company's
    `write_off_tolerance_ore`."""
    with transaction.atomic():
        invoice = _locked_invoice(invoice)
        remaining = invoice_open_ore(invoice)
        tolerance = Company.load().write_off_tolerance_ore
        if remaining <= 0:
            raise ValidationError(_("%(doc)s has nothing open to write off.") % {"doc": invoice})
        if remaining > tolerance:
            raise ValidationError(
                _(
                    "%(doc)s has %(open)s open; only up to %(tolerance)s may be written off. "
                    "Register the payment or issue a credit note."
                )
                % {
                    "doc": invoice,
                    "open": format_money(remaining),
                    "tolerance": format_money(tolerance),
                }
            )
        payment = Payment.objects.create(
            customer=invoice.customer,
            invoice=invoice,
            amount_ore=remaining,
            currency=invoice.currency,
            date=timezone.localdate(),
            method=PaymentMethod.WRITE_OFF,
            match_rule=MatchRule.WRITE_OFF,
            note=(note or "").strip()[:500],
            created_by=actor,
        )
        _log(
            payment,
            actor=actor,
            action="payment.written_off",
            params={"amount_ore": remaining, "doc": invoice.activity_ref()},
        )
    return payment


# Unmatched payments ---------------------------------------------------------------------------


def unmatched_assign(
    *, actor, payment: Payment, invoice: Invoice | None = None, customer: Customer | None = None
) -> list[Payment]:
    """Give an unmatched payment its owner: an invoice, or a customer (as the customer's credit).

    This is the one change a booked payment allows: customer, invoice and rule go from
    "unknown" to known (rule "assigned", `assigned_by`/`assigned_at` set), once; amount, date
    and bank data stay. On an invoice, the same rules as KID matching apply: when the payment
    is more than what is open, the excess is moved to the customer's credit with two more rows
    (−excess on the invoice, +excess as credit, rule "overpayment", `related` = the payment).
    Returns the rows written: [payment] or [payment, −excess, +excess].
    """
    if (invoice is None) == (customer is None):
        raise ValidationError(_("Choose either an invoice or a customer."))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.match_rule != MatchRule.UNMATCHED:
            raise ValidationError(_("This payment has already been assigned."))
        is_open = None
        if invoice is not None:
            invoice = _locked_invoice(invoice)
            customer = invoice.customer
            is_open = invoice_open_ore(invoice)
        customer = _locked_customer(customer)
        payment.customer = customer
        payment.invoice = invoice
        payment.match_rule = MatchRule.ASSIGNED
        payment.assigned_by = actor
        payment.assigned_at = timezone.now()
        payment.save(update_fields=sorted(Payment.ASSIGNMENT_FIELDS))
        written = [payment]
        if invoice is not None and payment.amount_ore > 0 and payment.amount_ore > is_open:
            excess = payment.amount_ore - max(is_open, 0)
            written += _move_to_credit(payment, excess, actor)
        params = {"amount_ore": payment.amount_ore, "date": payment.date}
        if invoice is not None:
            params["doc"] = invoice.activity_ref()
        _log(
            payment,
            actor=actor,
            action="payment.assigned" if invoice is not None else "payment.assigned_to_credit",
            params=params,
        )
    return written


def _move_to_credit(payment: Payment, excess: int, actor) -> list[Payment]:
    common = {
        "customer": payment.customer,
        "currency": payment.currency,
        "date": payment.date,
        "method": PaymentMethod.CREDIT,
        "match_rule": MatchRule.OVERPAYMENT,
        "related": payment,
        "created_by": actor,
    }
    return [
        Payment.objects.create(invoice=payment.invoice, amount_ore=-excess, **common),
        Payment.objects.create(invoice=None, amount_ore=excess, **common),
    ]


@dataclass(frozen=True)
class Suggestion:
    """An invoice an unmatched payment may belong to, and why (best first in a list)."""

    invoice: Invoice  # with .customer loaded
    open_ore: int
    reasons: tuple[str, ...]  # "number" (in the text), "amount" (= open), "name" (payer ~ customer)
    score: int


_NUMBER = re.compile(r"(?<![0-9])[0-9]{1,9}(?![0-9])")


def unmatched_suggestions(payment: Payment, limit: int = 5) -> list[Suggestion]:
    """Invoices an unmatched payment may pay: those whose number appears in the bank text or
    note, and open invoices whose total and open amount equal the payment; ranked up when the
    payer's name and the customer's name contain one another (case-insensitive). One query."""
    numbers = sorted({int(n) for n in _NUMBER.findall(f"{payment.text} {payment.note}")} - {0})
    clues = Q(number__in=numbers[:500]) if numbers else Q(pk__in=[])
    if payment.amount_ore > 0:
        # Filtering on the total first keeps the open-amount subqueries to a handful of rows.
        clues |= Q(total_ore=payment.amount_ore)
    candidates = (
        with_open_ore(
            Invoice.objects.filter(clues, status=InvoiceStatus.ISSUED, kind=InvoiceKind.INVOICE)
        )
        .filter(Q(number__in=numbers[:500]) | Q(open_ore=payment.amount_ore))
        .select_related("customer")
        .order_by("due_date", "pk")[:200]
    )
    payer = payment.payer_name.casefold().strip()
    weights = {"number": 4, "amount": 2, "name": 1}
    result = []
    for invoice in candidates:
        reasons = set()
        if invoice.number in numbers:
            reasons.add("number")
        if invoice.open_ore == payment.amount_ore:
            reasons.add("amount")
        name = invoice.customer.name.casefold()
        if payer and (payer in name or name in payer):
            reasons.add("name")
        score = sum(weights[r] for r in reasons)
        result.append(Suggestion(invoice, invoice.open_ore, tuple(sorted(reasons)), score))
    result.sort(key=lambda s: -s.score)  # stable: by due date within a score
    return result[:limit]


# Customer credit ------------------------------------------------------------------------------


def credit_apply(*, actor, customer: Customer, invoice: Invoice, amount_ore: int) -> list[Payment]:
    """Use the customer's credit to pay an open invoice of the same customer: a negative credit
    row and a positive row on the invoice (method "credit", rule "credit_applied", the second
    `related` to the first). 0 < amount ≤ both the credit and what is open. Returns both rows."""
    _check_amount(amount_ore, positive=True)
    with transaction.atomic():
        customer = _locked_customer(customer)
        invoice = _locked_invoice(invoice)
        if invoice.customer_id != customer.pk:
            raise ValidationError(_("The invoice belongs to another customer."))
        credit = _credit_ore(customer.pk)
        remaining = invoice_open_ore(invoice)
        if amount_ore > credit:
            raise ValidationError(
                {
                    "amount_ore": _("The customer has only %(credit)s in credit.")
                    % {"credit": format_money(credit)}
                }
            )
        if amount_ore > remaining:
            raise ValidationError(
                {
                    "amount_ore": _("Only %(open)s is open on %(doc)s.")
                    % {"open": format_money(max(remaining, 0)), "doc": invoice}
                }
            )
        today = timezone.localdate()
        common = {
            "customer": customer,
            "currency": invoice.currency,
            "date": today,
            "method": PaymentMethod.CREDIT,
            "match_rule": MatchRule.CREDIT_APPLIED,
            "created_by": actor,
        }
        taken = Payment.objects.create(invoice=None, amount_ore=-amount_ore, **common)
        paid = Payment.objects.create(
            invoice=invoice, amount_ore=amount_ore, related=taken, **common
        )
        _log(
            paid,
            actor=actor,
            action="payment.credit_applied",
            params={"amount_ore": amount_ore, "doc": invoice.activity_ref()},
        )
    return [taken, paid]


def credit_refund(*, actor, customer: Customer, amount_ore: int, note: str) -> Payment:
    """Record that (part of) the customer's credit was paid back: a negative credit row, method
    "refund". 0 < amount ≤ the credit; the note (how, to which account) is required. The money
    itself is sent from the bank or the accounting system."""
    note = (note or "").strip()
    _check_amount(amount_ore, positive=True)
    if not note:
        raise ValidationError({"note": _("Say how and where the credit was paid back.")})
    with transaction.atomic():
        customer = _locked_customer(customer)
        credit = _credit_ore(customer.pk)
        if amount_ore > credit:
            raise ValidationError(
                {
                    "amount_ore": _("The customer has only %(credit)s in credit.")
                    % {"credit": format_money(credit)}
                }
            )
        payment = Payment.objects.create(
            customer=customer,
            invoice=None,
            amount_ore=-amount_ore,
            date=timezone.localdate(),
            method=PaymentMethod.REFUND,
            match_rule=MatchRule.MANUAL,
            note=note[:500],
            created_by=actor,
        )
        _log(
            payment,
            actor=actor,
            action="payment.credit_refunded",
            params={"amount_ore": amount_ore, "note": note},
        )
    return payment
