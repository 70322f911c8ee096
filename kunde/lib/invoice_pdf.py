"""An issued invoice or credit note as an A4 PDF in the usual Norwegian business layout.

Pure: takes a `PrintableInvoice`, returns bytes. The first page carries the seller, the buyer's
address (placed for a C5/E65 left-window envelope) and the facts; the body flows over as many
pages as needed; an hour specification, if any, starts on a page of its own.
"""

from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, Spacer, Table

from kunde.lib.document_pdf import (
    BODY,
    BOLD,
    CONTENT_W,
    FONT,
    GRID,
    HEADING,
    LABELS,
    PAD,
    STRONG,
    cell,
    column_width,
    country_lines,
    format_date,
    format_number,
    format_org_number,
    line_cells,
    lines_header,
    lines_widths,
    para,
    render_document,
    texts,
    totals_rows,
    totals_table,
)
from kunde.lib.invoice_document import PrintableInvoice
from kunde.lib.numbers import format_bank_account

_TEXT = texts(
    {
        **LABELS,
        "invoice": ("FAKTURA", "INVOICE"),
        "credit_note": ("KREDITNOTA", "CREDIT NOTE"),
        "number": ("Fakturanr.", "Invoice no."),
        "credit_number": ("Kreditnotanr.", "Credit note no."),
        "issue_date": ("Fakturadato", "Invoice date"),
        "credit_date": ("Dato", "Date"),
        "due_date": ("Forfallsdato", "Due date"),
        "customer_number": ("Kundenr.", "Customer no."),
        "delivery_date": ("Leveringsdato", "Delivery date"),
        "your_reference": ("Deres ref.", "Your ref."),
        "order_reference": ("Bestillingsref.", "Order ref."),
        "contract_reference": ("Vår ref.", "Our ref."),
        "customer_contact": ("Kontaktperson", "Contact"),
        "project": ("Prosjekt", "Project"),
        "kid": ("KID", "KID"),
        "credits": ("Krediterer faktura nr. {} datert {}", "Credits invoice no. {} dated {}"),
        "amount_due": ("Å betale", "Amount due"),
        "credit_total": ("Til gode", "Amount credited"),
        "credited": (
            "Beløpet {} er godskrevet kontoen deres hos oss.",
            "The amount {} has been credited to your account with us.",
        ),
        "account": ("Til konto", "To account"),
        "abroad": ("Betaling fra utlandet: IBAN {}", "Payment from abroad: IBAN {}"),
        "hours_title": ("Timespesifikasjon", "Hour specification"),
        "date": ("Dato", "Date"),
        "employee": ("Ansatt", "Employee"),
        "hours": ("Timer", "Hours"),
        "hours_total": ("Sum timer", "Total hours"),
    }
)


def address_lines(doc: PrintableInvoice) -> list[str]:
    """The window-envelope block; the buyer's name is the first line after `line_above_name`."""
    buyer, t = doc.buyer, _TEXT[doc.language]
    lines = [doc.line_above_name, buyer.name, doc.line_below_name, *buyer.street.splitlines()]
    lines += [f"{buyer.postcode} {buyer.city}", *country_lines(buyer, doc.language)]
    if buyer.organization_number:
        lines.append(t["org_number"].format(format_org_number(buyer.organization_number)))
    return [line.strip() for line in lines if line.strip()]


def facts(doc: PrintableInvoice) -> list[tuple[str, str]]:
    t, is_invoice = _TEXT[doc.language], doc.kind == "invoice"
    pairs = [
        (t["number" if is_invoice else "credit_number"], str(doc.number)),
        (t["issue_date" if is_invoice else "credit_date"], format_date(doc.issue_date)),
        (t["due_date"], format_date(doc.due_date) if is_invoice else ""),
        (t["customer_number"], str(doc.customer_number)),
        (t["delivery_date"], format_date(doc.delivery_date) if doc.delivery_date else ""),
        (t["your_reference"], doc.your_reference),
        (t["order_reference"], doc.order_reference),
        (t["contract_reference"], doc.contract_reference),
        (t["customer_contact"], doc.customer_contact),
        (t["project"], doc.project),
        (t["kid"], doc.kid if is_invoice else ""),
    ]
    return [(label, value) for label, value in pairs if value]


def _lines_table(doc: PrintableInvoice, amount_w: float) -> Table:
    lang = doc.language
    with_discount = any(line.discount_percent for line in doc.lines)
    header = lines_header(lang, with_discount=with_discount)
    rows = [
        line_cells(
            lang=lang,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            # prices may have more decimals
            unit_price=format_number(line.unit_price, lang, "#,##0.00##"),
            discount=line.discount_percent,
            with_discount=with_discount,
            vat_rate=line.vat_rate,
            net=line.net_amount,
        )
        for line in doc.lines
    ]
    widths = lines_widths(header, rows, amount_w)
    for row in rows:
        row[0] = cell(row[0], widths[0] - PAD)
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=GRID, hAlign="LEFT")


def _totals(doc: PrintableInvoice) -> list[list[str]]:
    t = _TEXT[doc.language]
    label = t["amount_due"] if doc.kind == "invoice" else t["credit_total"]
    return totals_rows(
        doc.language,
        net=doc.net_total,
        vat_groups=[
            (group.category, group.rate, group.taxable_amount, group.vat_amount)
            for group in doc.vat_groups
        ],
        total_label=f"{label} {doc.currency}",
        total=doc.total if doc.kind == "invoice" else abs(doc.total),
    )


def _payment_box(doc: PrintableInvoice) -> Table:
    t, lang = _TEXT[doc.language], doc.language
    reference = (t["kid"], doc.kid) if doc.kid else (t["number"], str(doc.number))
    cells = [
        (t["account"], format_bank_account(doc.seller.bank_account)),
        reference,
        (t["amount_due"], f"{doc.currency} {format_number(doc.total, lang)}"),
        (t["due_date"], format_date(doc.due_date)),
    ]
    data = [[label for label, _ in cells], [value for _, value in cells]]
    # Each column as wide as its value, the spare width shared out; a long IBAN next to a
    # 25-digit KID gets a smaller font rather than running out of the box.
    text_widths = [pdfmetrics.stringWidth(value, BOLD, 10) for value in data[1]]
    room = CONTENT_W - 4 * 14  # 6 pt padding either side of each value, and some air
    size = min(10, 10 * room / sum(text_widths))
    spare = (room - sum(text_widths) * size / 10) / 4
    widths = [width * size / 10 + 14 + spare for width in text_widths]
    style = [
        ("FONT", (0, 0), (-1, 0), FONT, 7.5, 9),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.dimgrey),
        ("FONT", (0, 1), (-1, 1), BOLD, size, size + 2),
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("LINEBEFORE", (1, 0), (-1, -1), 0.25, colors.grey),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, 0), 5),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 7),
    ]
    return Table(data, colWidths=widths, style=style, hAlign="LEFT")


def _hour_specification(doc: PrintableInvoice) -> list:
    t, lang = _TEXT[doc.language], doc.language
    header = [t["date"], t["employee"], t["project"], t["description"], t["hours"]]
    total = format_number(sum((h.hours for h in doc.hour_specification), Decimal(0)), lang)
    hours = [format_number(h.hours, lang) for h in doc.hour_specification]
    widths = [22 * mm, 36 * mm, 34 * mm, 0, column_width([*hours, total, t["hours"]], BOLD)]
    widths[3] = CONTENT_W - sum(widths)
    rows = []
    for h, n in zip(doc.hour_specification, hours, strict=True):
        columns = (h.employee, h.project, h.description)
        cells = [cell(text, w - 2 * PAD) for text, w in zip(columns, widths[1:4], strict=True)]
        rows.append([format_date(h.date), *cells, n])
    total_row = [t["hours_total"], "", "", "", total]
    style = [
        *GRID,
        ("ALIGN", (0, 0), (-2, -1), "LEFT"),
        ("FONT", (0, -1), (-1, -1), BOLD, 8.5, 10.5),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
    ]
    table = Table([header, *rows, total_row], colWidths=widths, repeatRows=1, style=style)
    return [PageBreak(), Paragraph(t["hours_title"], HEADING), table]


def _story(doc: PrintableInvoice) -> list:
    t, lang = _TEXT[doc.language], doc.language
    story = []
    if doc.kind == "credit_note" and doc.credited_invoice_number:
        credited = format_date(doc.credited_invoice_date) if doc.credited_invoice_date else ""
        story.append(para(t["credits"].format(doc.credited_invoice_number, credited), STRONG))
    if doc.invoice_text:
        story.append(para(doc.invoice_text, BODY))
    totals = _totals(doc)
    amounts = [format_number(line.net_amount, lang) for line in doc.lines] + [r[1] for r in totals]
    amount_w = column_width([*amounts, t["amount"]], BOLD, 10.5)
    story += [Spacer(0, 4 * mm), _lines_table(doc, amount_w), Spacer(0, 3 * mm)]
    closing = [totals_table(totals, amount_w), Spacer(0, 6 * mm)]
    if doc.footer_text:
        closing.append(para(doc.footer_text, BODY))
    if doc.kind == "invoice":
        closing += [Spacer(0, 3 * mm), _payment_box(doc)]
        if doc.seller.iban and doc.seller.iban != doc.seller.bank_account:
            # The EHF carries the IBAN/BIC as a second means of payment; the PDF says the same.
            abroad = t["abroad"].format(format_bank_account(doc.seller.iban))
            if doc.seller.bic:
                abroad += f", BIC {doc.seller.bic}"
            closing += [Spacer(0, 2 * mm), para(abroad, BODY)]
    else:
        amount = f"{doc.currency} {format_number(abs(doc.total), lang)}"
        closing.append(para(t["credited"].format(amount), BODY))
    story.append(KeepTogether(closing))
    if doc.hour_specification:
        story += _hour_specification(doc)
    return story


def render_invoice_pdf(doc: PrintableInvoice) -> bytes:
    t = _TEXT[doc.language]
    return render_document(
        _story(doc),
        lang=doc.language,
        seller=doc.seller,
        address=address_lines(doc),
        name_index=1 if doc.line_above_name.strip() else 0,
        heading=t[doc.kind],
        title=f"{t[doc.kind].capitalize()} {doc.number}",
        facts=facts(doc),
    )
