"""Drafts, issuing and credit notes. Each function is one business action: it validates, changes
the database in one transaction and writes the customer's activity log."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.company.models import Company
from kunde.invoices.documents import buyer_snapshot, printable_invoice, seller_snapshot
from kunde.invoices.models import (
    HourLines,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
)
from kunde.invoices.options import RateBook, effective_options
from kunde.lib import kid as kid_lib
from kunde.lib.invoice_pdf import render_invoice_pdf
from kunde.lib.money import format_money
from kunde.lib.vat import document_totals, is_valid_vat, line_net_ore
from kunde.projects.models import Expense, TimeEntry

HEADER_FIELDS = [
    "delivery_date",
    "credit_days",
    "currency",
    "language",
    "your_reference",
    "order_reference",
    "contract_reference",
    "customer_contact",
    "line_above_name",
    "line_below_name",
    "invoice_text",
    "footer_text",
    "attach_hour_specification",
]
OPTION_FIELDS = [f for f in HEADER_FIELDS if f != "delivery_date"]


class InvoiceStateError(ValidationError):
    """The action does not fit the document's state (e.g. editing an issued invoice)."""


def _require_draft(invoice: Invoice) -> None:
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvoiceStateError(
            _("%(doc)s is issued and cannot be changed; issue a credit note instead.")
            % {"doc": invoice}
        )


# Lines ----------------------------------------------------------------------------------------


def _decimal(value, field: str, errors: dict) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = _("Enter a number.")
        return None


# Bounds that keep every amount inside the database columns (quantity: 12 digits, 3 decimals).
MAX_QUANTITY = Decimal("999999999.999")
MAX_UNIT_PRICE_ORE = 10**11  # 1 000 000 000 kr


def _build_line(
    index: int, data: dict, default_vat: tuple[str, int], discount, field_list: str = "lines"
) -> InvoiceLine:
    """An unsaved line from user input; raises ValidationError naming `<list>.<i>.<field>`."""
    errors: dict[str, str] = {}
    prefix = f"{field_list}.{index}."
    description = str(data.get("description") or "").strip()
    if not description:
        errors[prefix + "description"] = _("A line needs a description.")
    quantity = _decimal(data.get("quantity", 1), prefix + "quantity", errors)
    if quantity is not None and (
        quantity == 0 or quantity.as_tuple().exponent < -3 or abs(quantity) > MAX_QUANTITY
    ):
        errors[prefix + "quantity"] = _(
            "The quantity must be non-zero, below one billion, with at most 3 decimals."
        )
    try:
        unit_price_ore = int(data.get("unit_price_ore", 0))
    except (TypeError, ValueError):
        errors[prefix + "unit_price_ore"] = _("Enter the unit price in øre as a whole number.")
        unit_price_ore = 0
    if abs(unit_price_ore) > MAX_UNIT_PRICE_ORE:
        errors[prefix + "unit_price_ore"] = _("The unit price must be below 1 000 000 000 kr.")
    line_discount = _decimal(
        data.get("discount_percent", discount), prefix + "discount_percent", errors
    )
    if line_discount is not None and not Decimal(0) <= line_discount <= Decimal(100):
        errors[prefix + "discount_percent"] = _("The discount must be between 0 and 100 %.")
    category = data.get("vat_category") or default_vat[0]
    rate = data.get("vat_rate", default_vat[1] if category == default_vat[0] else 0)
    try:
        rate = int(rate)
    except (TypeError, ValueError):
        rate = -1
    if not is_valid_vat(category, rate):
        errors[prefix + "vat_rate"] = _(
            "VAT %(rate)s %% with category %(category)s does not exist in Norway "
            "(25, 15 or 12 %% standard; 0 %% zero-rated, exempt, reverse charge or outside scope)."
        ) % {"rate": data.get("vat_rate"), "category": category}
    if errors:
        raise ValidationError(errors)
    line = InvoiceLine(
        position=index,
        description=description[:500],
        quantity=quantity,
        unit=str(data.get("unit") or "")[:20],
        unit_price_ore=unit_price_ore,
        discount_percent=line_discount,
        vat_rate=rate,
        vat_category=category,
    )
    line.net_ore = line_net_ore(line.quantity, line.unit_price_ore, line.discount_percent)
    return line


def _recompute_totals(invoice: Invoice) -> None:
    lines = invoice.lines.values_list("net_ore", "vat_category", "vat_rate")
    totals = document_totals(list(lines))
    invoice.net_ore, invoice.vat_ore, invoice.total_ore = (
        totals.net_ore,
        totals.vat_ore,
        totals.total_ore,
    )


# Drafts ---------------------------------------------------------------------------------------


def _hour_lines(
    invoice: Invoice, *, until: date | None, default_vat, discount, grouping: str
) -> list[InvoiceLine]:
    """Lines for the project's approved, billable hours and expenses not yet invoiced: hours
    grouped as `grouping` (HourLines) says, expenses one line each. Links them to their
    lines."""
    entries = TimeEntry.objects.filter(
        project=invoice.project, billable=True, approved=True, invoice_line__isnull=True
    ).select_related("employee")
    expenses = Expense.objects.filter(
        project=invoice.project, billable=True, approved=True, invoice_line__isnull=True
    )
    if until:
        entries, expenses = entries.filter(date__lte=until), expenses.filter(date__lte=until)
    rates = RateBook(customer=invoice.customer, project=invoice.project)
    groups: dict[tuple, list[TimeEntry]] = {}
    order = ("date", "id") if grouping == HourLines.ENTRY else ("employee_id", "date", "id")
    for entry in entries.order_by(*order):
        rate = rates.rate_ore(employee_id=entry.employee_id, on=entry.date) or entry.sales_rate_ore
        groups.setdefault((*_hour_group(entry, grouping), rate), []).append(entry)
    lines = []
    links: list[tuple[InvoiceLine, list]] = []
    for (*_group, rate), group in groups.items():
        minutes = sum(e.minutes for e in group)
        line = _build_line(
            len(lines),
            {
                "description": _hour_line_text(group[0], grouping),
                "quantity": (Decimal(minutes) / 60).quantize(Decimal("0.001")),
                "unit": _("hours"),
                "unit_price_ore": rate,
            },
            default_vat,
            discount,
        )
        lines.append(line)
        links.append((line, group))
    for expense in expenses.order_by("date", "id"):
        line = _build_line(
            len(lines),
            {
                "description": expense.description,
                "quantity": 1,
                "unit": _("pcs"),
                "unit_price_ore": expense.sales_ore,
            },
            default_vat,
            discount,
        )
        lines.append(line)
        links.append((line, [expense]))
    return lines, links


def _hour_group(entry: TimeEntry, grouping: str) -> tuple:
    """What puts time entries (at the same price) on one line."""
    if grouping == HourLines.ENTRY:
        return (entry.pk,)
    if grouping == HourLines.PRICE:
        return ()
    return (entry.employee_id,)


def _hour_line_text(entry: TimeEntry, grouping: str) -> str:
    """The description of a line of hours, from its first entry."""
    if grouping == HourLines.ENTRY:
        text = _("%(date)s, %(employee)s") % {
            "date": formats.date_format(entry.date, "SHORT_DATE_FORMAT"),
            "employee": entry.employee,
        }
        return f"{text}: {entry.description}"[:500] if entry.description else text
    if grouping == HourLines.PRICE:
        return _("Consulting hours")
    return _("Consulting hours, %(employee)s") % {"employee": entry.employee}


def invoice_draft_create(
    *, actor, customer, project=None, lines=(), from_project_hours=False, until=None
) -> Invoice:
    """A draft for the customer with the effective invoicing options, from free lines and/or
    the project's approved hours and expenses not yet invoiced."""
    if project is not None and project.customer_id != customer.pk:
        raise ValidationError({"project": _("The project belongs to another customer.")})
    if from_project_hours and project is None:
        raise ValidationError({"project": _("Choose the project whose hours to invoice.")})
    options = effective_options(customer, project)
    invoice = Invoice(
        kind=InvoiceKind.INVOICE,
        customer=customer,
        project=project,
        created_by=actor,
        **{field: getattr(options, field) for field in OPTION_FIELDS},
    )
    built = [
        _build_line(i, data, options.vat, options.discount_percent) for i, data in enumerate(lines)
    ]
    links = []
    if from_project_hours:
        hour_lines, links = _hour_lines(
            invoice,
            until=until,
            default_vat=options.vat,
            discount=options.discount_percent,
            grouping=options.hour_lines,
        )
        for line in hour_lines:
            line.position += len(built)
        built += hour_lines
    if options.invoice_fee_ore and built:
        built.append(
            _build_line(
                len(built),
                {
                    "description": _("Invoice fee"),
                    "quantity": 1,
                    "unit_price_ore": options.invoice_fee_ore,
                    "discount_percent": 0,
                },
                options.vat,
                0,
            )
        )
    with transaction.atomic():
        invoice.save()
        for line in built:
            line.invoice = invoice
        InvoiceLine.objects.bulk_create(built)
        for line, sources in links:
            type(sources[0]).objects.filter(pk__in=[s.pk for s in sources]).update(
                invoice_line=line
            )
        _recompute_totals(invoice)
        invoice.save()
        log_activity(
            customer=customer,
            actor=actor,
            action="invoice.draft_created",
        )
    return invoice


def invoice_draft_update(*, actor, invoice: Invoice, header: dict, lines: list[dict] | None = None):
    """Change a draft's header fields and, when given, replace its lines. Lines whose `id` is
    kept stay linked to their hours; removed lines give their hours back."""
    _require_draft(invoice)
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    options = effective_options(invoice.customer, invoice.project)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _require_draft(invoice)
        for field, value in header.items():
            setattr(invoice, field, value)
        invoice.full_clean(exclude=["seller", "buyer", "created_by", "customer"])
        if lines is not None:
            kept = {}
            for index, data in enumerate(lines):
                line = _build_line(index, data, options.vat, options.discount_percent)
                line.invoice = invoice
                line_id = data.get("id")
                if line_id:
                    existing = invoice.lines.filter(pk=line_id).first()
                    if existing is None:
                        raise ValidationError(
                            {f"lines.{index}.id": _("No such line on this draft.")}
                        )
                    line.pk = existing.pk
                    line.credited_line_id = existing.credited_line_id
                line.save()
                kept[line.pk] = line
            invoice.lines.exclude(pk__in=kept).delete()  # their hours become invoiceable again
        _recompute_totals(invoice)
        invoice.save()
        log_activity(
            customer=invoice.customer,
            actor=actor,
            action="invoice.draft_updated",
            params={"doc": invoice.activity_ref()},
        )
    return invoice


def invoice_draft_delete(*, actor, invoice: Invoice) -> None:
    """Delete a draft; its hours and expenses become invoiceable again."""
    _require_draft(invoice)
    with transaction.atomic():
        customer = invoice.customer
        invoice.delete()
        log_activity(
            customer=customer,
            actor=actor,
            action="invoice.draft_deleted",
        )


# Credit notes ---------------------------------------------------------------------------------


def _credited_quantities(invoice: Invoice, exclude_credit_note=None) -> dict[int, Decimal]:
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
    credited = _credited_quantities(invoice)
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
        quantity = _decimal(
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
        line = _build_line(
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
        quantity = _decimal(data.get("quantity", 1), f"free_lines.{index}.quantity", errors)
        if errors:
            raise ValidationError(errors)
        line = _build_line(
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
        _recompute_totals(credit_note)
        _check_credit_fits(invoice, credit_note)
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


def _check_credit_fits(invoice: Invoice, credit_note: Invoice) -> None:
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
    credited = _credited_quantities(invoice, exclude_credit_note=credit_note)
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


# Issuing --------------------------------------------------------------------------------------


def kid_rule(company: Company) -> kid_lib.KidRule:
    return kid_lib.KidRule(
        algorithm=company.kid_algorithm,
        invoice_digits=company.kid_invoice_digits,
        customer_digits=company.kid_customer_digits,
        fixed_digits=company.kid_fixed_digits,
        document_type_digit=company.kid_document_type_digit,
        mod11_dash=company.kid_mod11_dash,
    )


def _kid(company: Company, invoice: Invoice) -> str | None:
    if not company.kid_enabled:
        return None
    try:
        return kid_lib.make_kid(
            kid_rule(company),
            invoice_number=invoice.number,
            customer_number=invoice.customer.number,
            credit_note=invoice.kind == InvoiceKind.CREDIT_NOTE,
        )
    except kid_lib.KidRuleError as exc:
        raise ValidationError(
            {"kid": _("The company's KID setting cannot be used: %(reason)s") % {"reason": exc}}
        ) from exc


def invoice_issue(*, actor, invoice: Invoice, issue_date: date | None = None) -> Invoice:
    """Give a draft its number, dates, KID and the parties' data as they are now, store its
    PDF, and make it permanent. Numbers have no gaps: the series row is locked and moved on in
    the same transaction, so a refused or failed issue takes no number."""
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("customer", "project", "credited_invoice")
            .get(pk=invoice.pk)
        )
        _require_draft(invoice)
        if not invoice.lines.exists():
            raise ValidationError({"lines": _("An invoice without lines cannot be issued.")})
        _recompute_totals(invoice)
        if invoice.kind == InvoiceKind.INVOICE and invoice.total_ore < 0:
            raise ValidationError(
                {
                    "lines": _(
                        "An invoice cannot have a negative total; issue a credit note instead."
                    )
                }
            )
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            # Lock the credited invoice so two credit notes cannot both take the same remainder.
            Invoice.objects.select_for_update().filter(pk=invoice.credited_invoice_id).first()
            _check_credit_fits(invoice.credited_invoice, invoice)
        series, _created = InvoiceSeries.objects.select_for_update().get_or_create(pk=1)
        company = Company.load()
        invoice.number = series.next_number
        invoice.issue_date = issue_date or timezone.localdate()
        invoice.due_date = invoice.issue_date + timedelta(days=invoice.credit_days)
        invoice.kid = _kid(company, invoice)
        invoice.seller = seller_snapshot(company)
        invoice.buyer = buyer_snapshot(invoice.customer)
        invoice.status = InvoiceStatus.ISSUED
        invoice.issued_by = actor
        invoice.issued_at = timezone.now()
        pdf = render_invoice_pdf(printable_invoice(invoice))
        invoice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        invoice.pdf.save(f"{invoice.kind}-{invoice.number}.pdf", ContentFile(pdf), save=False)
        # The row is still a draft in the database, so this save is allowed; the next is not.
        invoice.save()
        series.next_number += 1
        series.save()
        if invoice.kind == InvoiceKind.CREDIT_NOTE and invoice.reopen_hours:
            _reopen_fully_credited_hours(invoice.credited_invoice)
        log_activity(
            customer=invoice.customer,
            actor=actor,
            action=f"{invoice.kind}.issued",
            params={
                "doc": invoice.activity_ref(),
                "issue_date": invoice.issue_date,
                "total_ore": invoice.total_ore,
            },
            on=invoice.issue_date if invoice.issue_date != timezone.localdate() else None,
        )
    return invoice


def _reopen_fully_credited_hours(invoice: Invoice) -> None:
    """Hours of lines credited in full become invoiceable again (partly credited lines keep
    theirs: re-invoicing them would bill the uncredited part twice)."""
    credited = _credited_quantities(invoice)
    done = [
        pk
        for pk, line_qty in invoice.lines.values_list("pk", "quantity")
        if line_qty + credited.get(pk, 0) == 0
    ]
    TimeEntry.objects.filter(invoice_line__in=done).update(invoice_line=None)
    Expense.objects.filter(invoice_line__in=done).update(invoice_line=None)
