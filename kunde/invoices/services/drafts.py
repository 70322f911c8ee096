"""Drafts: create one (from free lines and/or a project's approved hours), change it, delete it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity

# A module, not its function: selectors imports services.lines, so a name import could cycle.
from kunde.invoices import selectors
from kunde.invoices.models import Invoice, InvoiceKind, InvoiceLine
from kunde.invoices.options import effective_options
from kunde.invoices.services.lines import (
    HEADER_FIELDS,
    OPTION_FIELDS,
    build_line,
    recompute_totals,
    require_draft,
)


def invoice_draft_create(
    *, actor, customer, project=None, lines=(), from_project_hours=False, until=None
) -> Invoice:
    """A draft for the customer with the effective invoicing options, from free lines and/or
    the project's approved hours and expenses not yet invoiced. From hours, a draft that would
    have no line at all is refused and nothing is made."""
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
        # The same lines the "new invoice" page showed in its summary of the project's work.
        work = selectors.uninvoiced_work(customer=customer, project=project, until=until)
        for each in work:
            for line, sources in zip(each.lines, each.sources, strict=True):
                line.position += len(built)
                links.append((line, sources))
            built += each.lines
        if not built:
            raise ValidationError(
                {
                    "project": _(
                        "%(project)s has no approved, billable hours or expenses waiting to be "
                        "invoiced, so no draft was made."
                    )
                    % {"project": project}
                }
            )
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
