"""Drafts: create one (from free lines and/or a project's approved hours), change it, delete it."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.invoices.models import HourLines, Invoice, InvoiceKind, InvoiceLine
from kunde.invoices.options import RateBook, effective_options
from kunde.invoices.services.lines import (
    HEADER_FIELDS,
    OPTION_FIELDS,
    build_line,
    recompute_totals,
    require_draft,
)
from kunde.projects.models import Expense, TimeEntry


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
        line = build_line(
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
        line = build_line(
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
        build_line(i, data, options.vat, options.discount_percent) for i, data in enumerate(lines)
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
            build_line(
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
        recompute_totals(invoice)
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
    require_draft(invoice)
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    options = effective_options(invoice.customer, invoice.project)
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        require_draft(invoice)
        for field, value in header.items():
            setattr(invoice, field, value)
        invoice.full_clean(exclude=["seller", "buyer", "created_by", "customer"])
        if lines is not None:
            kept = {}
            for index, data in enumerate(lines):
                line = build_line(index, data, options.vat, options.discount_percent)
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
        recompute_totals(invoice)
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
    require_draft(invoice)
    with transaction.atomic():
        customer = invoice.customer
        invoice.delete()
        log_activity(
            customer=customer,
            actor=actor,
            action="invoice.draft_deleted",
        )
