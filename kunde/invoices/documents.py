"""From stored invoices to the plain documents that are printed (and later sent as EHF)."""

from decimal import Decimal

from kunde.company.models import Company
from kunde.lib.invoice_document import (
    HourLine,
    Party,
    PrintableInvoice,
    PrintLine,
    VatGroup,
    party_data,
)
from kunde.lib.money import ore_to_kroner
from kunde.lib.numbers import vat_number_for
from kunde.lib.vat import document_totals


def seller_snapshot(company: Company) -> dict:
    party = Party(
        name=company.name,
        street=company.street,
        postcode=company.postcode,
        city=company.city,
        country=company.country,
        organization_number=company.organization_number,
        organization_form=company.organization_form,
        vat_number=vat_number_for(company.organization_number)
        if company.vat_registered and company.organization_number
        else "",
        email=company.email,
        phone=company.phone,
        bank_account=company.bank_account,
        iban=company.iban,
        bic=company.bic,
    )
    return party_data(party)


def buyer_snapshot(customer) -> dict:
    party = Party(
        name=customer.name,
        street=customer.postal_street,
        postcode=customer.postal_postcode,
        city=customer.postal_city,
        country=customer.postal_country or customer.country,
        organization_number=customer.organization_number,
        organization_form=customer.organization_form,
        vat_number=customer.vat_number,
        email=customer.invoice_recipient,
        phone=customer.phone,
        delivery_street=customer.delivery_street,
        delivery_postcode=customer.delivery_postcode,
        delivery_city=customer.delivery_city,
    )
    return party_data(party)


def _hour_specification(invoice) -> list[HourLine]:
    from kunde.projects.models import TimeEntry

    entries = (
        TimeEntry.objects.filter(invoice_line__invoice=invoice)
        .select_related("employee", "project")
        .order_by("date", "id")
    )
    return [
        HourLine(
            date=entry.date,
            employee=str(entry.employee),
            project=entry.project.name,
            description=entry.description,
            hours=(Decimal(entry.minutes) / 60).quantize(Decimal("0.01")),
        )
        for entry in entries
    ]


def printable_invoice(invoice, *, lines=None) -> PrintableInvoice:
    """The issued (or draft, for a preview) invoice as a document to render; `lines` when the
    caller has them already."""
    lines = list(invoice.lines.all()) if lines is None else lines
    totals = document_totals([(line.net_ore, line.vat_category, line.vat_rate) for line in lines])
    credited = invoice.credited_invoice
    return PrintableInvoice(
        kind=invoice.kind,
        number=invoice.number or 0,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        language=invoice.language,
        currency=invoice.currency,
        seller=Party(**invoice.seller),
        buyer=Party(**invoice.buyer),
        customer_number=invoice.customer.number,
        lines=[
            PrintLine(
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=ore_to_kroner(line.unit_price_ore),
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                vat_category=line.vat_category,
                net_amount=ore_to_kroner(line.net_ore),
            )
            for line in lines
        ],
        vat_groups=[
            VatGroup(
                category=group.category,
                rate=group.rate,
                taxable_amount=ore_to_kroner(group.taxable_ore),
                vat_amount=ore_to_kroner(group.vat_ore),
            )
            for group in totals.groups
        ],
        net_total=ore_to_kroner(totals.net_ore),
        vat_total=ore_to_kroner(totals.vat_ore),
        total=ore_to_kroner(totals.total_ore),
        kid=invoice.kid or "",
        delivery_date=invoice.delivery_date,
        your_reference=invoice.your_reference,
        order_reference=invoice.order_reference,
        contract_reference=invoice.contract_reference,
        customer_contact=invoice.customer_contact,
        line_above_name=invoice.line_above_name,
        line_below_name=invoice.line_below_name,
        invoice_text=invoice.invoice_text,
        footer_text=invoice.footer_text,
        project=invoice.project.name if invoice.project_id else "",
        credited_invoice_number=credited.number if credited else None,
        credited_invoice_date=credited.issue_date if credited else None,
        hour_specification=_hour_specification(invoice)
        if invoice.attach_hour_specification
        else [],
    )
