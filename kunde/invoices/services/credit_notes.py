"""Credit notes: a draft that credits an issued invoice in whole or in part, and what is left
to credit."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from kunde.invoices.options import effective_options
from kunde.invoices.services.lines import (
    InvoiceStateError,
    build_line,
    parse_decimal,
    recompute_totals,
)
from kunde.lib.money import format_money
from kunde.projects.models import Expense, TimeEntry
from kunde.stats.summary import hours_changing


def credited_quantities(invoice: Invoice, exclude_credit_note=None) -> dict[int, Decimal]:
    """Per invoice line: the quantity already credited by issued credit notes (negative)."""
    rows = (
        InvoiceLine.objects.filter(
            credited_line__invoice=invoice, invoice__status=InvoiceStatus.ISSUED
        )
        .exclude(invoice=exclude_credit_note)
        .values("credited_line")
        .annotate(quantity=Sum("quantity"))
    )
    return {row["credited_line"]: Decimal(row["quantity"]) for row in rows}


def credit_remaining_ore(invoice: Invoice) -> int:
    """What is left to credit on an issued invoice."""
    credited = (
        invoice.credit_notes.filter(status=InvoiceStatus.ISSUED).aggregate(s=Sum("total_ore"))["s"]
        or 0
    )
    return invoice.total_ore + credited


def credit_note_create(
    *, actor, invoice: Invoice, lines: list[dict] | None = None, free_lines=(), reopen_hours=False
) -> Invoice:
    """A draft credit note for an issued invoice: the whole invoice (lines=None), chosen lines
    and quantities ([{"line": id, "quantity": q}]), and/or free amount lines."""
    if invoice.kind != InvoiceKind.INVOICE or not invoice.is_issued:
        raise InvoiceStateError(_("Only an issued invoice can be credited."))
    originals = {line.pk: line for line in invoice.lines.all()}
    credited = credited_quantities(invoice)
    if lines is None:
        lines = [
            {"line": pk, "quantity": line.quantity + credited.get(pk, 0)}
            for pk, line in originals.items()
            if line.quantity + credited.get(pk, 0) != 0
        ]
    built = []
    for index, data in enumerate(lines):
        original = originals.get(_int(data.get("line")))
        if original is None:
            raise ValidationError({f"lines.{index}.line": _("That line is not on the invoice.")})
        errors: dict = {}
        quantity = parse_decimal(
            data.get("quantity", original.quantity), f"lines.{index}.quantity", errors
        )
        if errors:
            raise ValidationError(errors)
        # A negative line (a discount) is credited with a negative quantity of the same kind.
        left = original.quantity + credited.get(original.pk, 0)
        if quantity == 0 or (quantity > 0) != (left > 0) or abs(quantity) > abs(left):
            raise ValidationError(
                {
                    f"lines.{index}.quantity": _(
                        "You can credit between 0 and %(left)s of “%(line)s”."
                    )
                    % {"left": f"{abs(left).normalize():f}", "line": original.description}
                }
            )
        line = build_line(
            index,
            {
                "description": original.description,
                "quantity": -quantity,
                "unit": original.unit,
                "unit_price_ore": original.unit_price_ore,
                "discount_percent": original.discount_percent,
                "vat_rate": original.vat_rate,
                "vat_category": original.vat_category,
            },
            (original.vat_category, original.vat_rate),
            original.discount_percent,
        )
        line.credited_line = original
        built.append(line)
    default_vat = effective_options(invoice.customer, invoice.project).vat
    for index, data in enumerate(free_lines):
        errors = {}
        quantity = parse_decimal(data.get("quantity", 1), f"free_lines.{index}.quantity", errors)
        if errors:
            raise ValidationError(errors)
        line = build_line(
            index, {**data, "quantity": -abs(quantity)}, default_vat, Decimal(0), "free_lines"
        )
        line.position = len(built)
        built.append(line)
    if not built:
        raise ValidationError({"lines": _("Choose at least one line or amount to credit.")})
    credit_note = Invoice(
        kind=InvoiceKind.CREDIT_NOTE,
        customer=invoice.customer,
        project=invoice.project,
        credited_invoice=invoice,
        reopen_hours=reopen_hours,
        created_by=actor,
        credit_days=0,
        currency=invoice.currency,
        language=invoice.language,
        your_reference=invoice.your_reference,
        order_reference=invoice.order_reference,
        contract_reference=invoice.contract_reference,
        customer_contact=invoice.customer_contact,
        line_above_name=invoice.line_above_name,
        line_below_name=invoice.line_below_name,
    )
    with transaction.atomic():
        credit_note.save()
        for line in built:
            line.invoice = credit_note
        InvoiceLine.objects.bulk_create(built)
        recompute_totals(credit_note)
        check_credit_fits(invoice, credit_note)
        credit_note.save()
        log_activity(
            customer=invoice.customer,
            actor=actor,
            action="credit_note.draft_created",
            params={"doc": invoice.activity_ref()},
        )
    return credit_note


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_credit_fits(invoice: Invoice, credit_note: Invoice) -> None:
    if credit_note.total_ore >= 0:
        raise ValidationError({"lines": _("A credit note must reduce what the customer owes.")})
    remaining = credit_remaining_ore(invoice)
    if -credit_note.total_ore > remaining:
        raise ValidationError(
            {
                "lines": _(
                    "This credits %(amount)s but only %(left)s is left to credit on %(doc)s."
                )
                % {
                    "amount": format_money(-credit_note.total_ore),
                    "left": format_money(remaining),
                    "doc": invoice,
                }
            }
        )
    credited = credited_quantities(invoice, exclude_credit_note=credit_note)
    this_note: dict[int, Decimal] = {}
    originals = {}
    for line in credit_note.lines.exclude(credited_line=None).select_related("credited_line"):
        originals[line.credited_line_id] = line.credited_line
        this_note[line.credited_line_id] = this_note.get(line.credited_line_id, 0) + line.quantity
    for line_id, quantity in this_note.items():
        original = originals[line_id]
        left = original.quantity + credited.get(line_id, 0) + quantity
        # A credit goes against the line's sign, and never past zero.
        if (quantity > 0) == (original.quantity > 0) or (
            left != 0 and (left > 0) != (original.quantity > 0)
        ):
            raise ValidationError(
                {
                    "lines": _("“%(line)s” would be credited more than it was invoiced.")
                    % {"line": original.description}
                }
            )


def reopen_fully_credited_hours(invoice: Invoice) -> None:
    """Hours of lines credited in full become invoiceable again (partly credited lines keep
    theirs: re-invoicing them would bill the uncredited part twice)."""
    credited = credited_quantities(invoice)
    done = [
        pk
        for pk, line_qty in invoice.lines.values_list("pk", "quantity")
        if line_qty + credited.get(pk, 0) == 0
    ]
    with hours_changing(TimeEntry.objects.filter(invoice_line__in=done)):
        TimeEntry.objects.filter(invoice_line__in=done).update(invoice_line=None)
    Expense.objects.filter(invoice_line__in=done).update(invoice_line=None)
