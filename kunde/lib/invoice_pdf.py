"""An issued invoice or credit note as an A4 PDF in the usual Norwegian business layout.

Pure: takes a `PrintableInvoice`, returns bytes. The first page carries the seller, the buyer's
address (placed for a C5/E65 left-window envelope) and the facts; the body flows over as many
pages as needed; an hour specification, if any, starts on a page of its own.
"""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from babel import Locale
from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from kunde.lib.invoice_document import Party, PrintableInvoice
from kunde.lib.numbers import format_bank_account

# Invoices are kept for years: embed the font instead of relying on each viewer's Helvetica.
_FONT_DIR = Path(reportlab.__file__).parent / "fonts"
FONT, BOLD = "Vera", "Vera-Bold"
pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "Vera.ttf")))
pdfmetrics.registerFont(TTFont(BOLD, str(_FONT_DIR / "VeraBd.ttf")))
pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)

PAGE_W, PAGE_H = A4
MARGIN = 20 * mm
CONTENT_W = PAGE_W - 2 * MARGIN
RIGHT_X = 120 * mm  # seller details, title and facts
WINDOW_TOP, WINDOW_W, WINDOW_H = 50 * mm, 90 * mm, 45 * mm  # C5/E65, 20 mm from the left
PAD = 3  # points of cell padding either side

# (bokmål, English): labels follow the invoice's language, not the user's.
_LABELS = {
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
    "description": ("Beskrivelse", "Description"),
    "quantity": ("Antall", "Qty"),
    "unit": ("Enhet", "Unit"),
    "unit_price": ("Pris", "Price"),
    "discount": ("Rabatt", "Discount"),
    "vat": ("MVA", "VAT"),
    "amount": ("Beløp", "Amount"),
    "net_total": ("Sum eks. MVA", "Total excl. VAT"),
    "vat_line": ("MVA {} % av {}", "VAT {} % of {}"),
    "Z": ("Nullsats, 0 % av {}", "Zero-rated, 0 % of {}"),
    "E": ("Fritatt for MVA, 0 % av {}", "Exempt from VAT, 0 % of {}"),
    "AE": ("Omvendt avgiftsplikt, 0 % av {}", "Reverse charge, 0 % of {}"),
    "O": ("Utenfor MVA-området, 0 % av {}", "Outside the scope of VAT, 0 % of {}"),
    "amount_due": ("Å betale", "Amount due"),
    "credit_total": ("Til gode", "Amount credited"),
    "credited": (
        "Beløpet {} er godskrevet kontoen deres hos oss.",
        "The amount {} has been credited to your account with us.",
    ),
    "account": ("Til konto", "To account"),
    "abroad": ("Betaling fra utlandet: IBAN {}", "Payment from abroad: IBAN {}"),
    "page": ("Side {} av {}", "Page {} of {}"),
    "org_number": ("Org.nr. {}", "Org. no. {}"),
    "vat_registered": ("MVA", "VAT"),
    "hours_title": ("Timespesifikasjon", "Hour specification"),
    "date": ("Dato", "Date"),
    "employee": ("Ansatt", "Employee"),
    "hours": ("Timer", "Hours"),
    "hours_total": ("Sum timer", "Total hours"),
}
_TEXT = {
    lang: {key: pair[i] for key, pair in _LABELS.items()} for i, lang in enumerate(["nb", "en"])
}
_NUMBER_LOCALE = {"nb": "nb_NO", "en": "en_GB"}
_COUNTRY_NAMES = {"nb": Locale("nb").territories, "en": Locale("en").territories}

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4)
_STRONG = ParagraphStyle("strong", parent=_BODY, fontName=BOLD)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10.5)
_HEADING = ParagraphStyle("heading", fontName=BOLD, fontSize=14, leading=18, spaceAfter=8)

_GRID = [
    ("FONT", (0, 0), (-1, -1), FONT, 8.5, 10.5),
    ("FONT", (0, 0), (-1, 0), BOLD, 8.5, 10.5),
    ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ("ALIGN", (2, 0), (2, -1), "LEFT"),  # the unit, next to the quantity
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), PAD),
    ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ("LEFTPADDING", (0, 0), (0, -1), 0),  # flush with the margins
    ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
]


def _number(value: Decimal, lang: str, pattern: str = "#,##0.00") -> str:
    return format_decimal(value, format=pattern, locale=_NUMBER_LOCALE[lang])


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _percent(value: Decimal | int, lang: str) -> str:
    return _number(value, lang, "#,##0.##") + "\xa0%"


def _org_number(value: str) -> str:
    """Norwegian numbers in groups of three (923 609 016); foreign ones as given."""
    if len(value) == 9 and value.isdigit():
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value


def _country_lines(party: Party, lang: str) -> list[str]:
    if party.country in ("", "NO"):
        return []
    return [_COUNTRY_NAMES[lang].get(party.country, party.country).upper()]


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _cell(text: str, width: float) -> str | Paragraph:
    """A plain string when it fits (much faster to lay out), a wrapping paragraph otherwise."""
    if "\n" not in text and pdfmetrics.stringWidth(text, FONT, _CELL.fontSize) <= width:
        return text
    return _para(text, _CELL)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Word-wrapped lines; a word wider than the column (a long reference) is cut."""
    lines = []
    for line in simpleSplit(text, font, size, width):
        while len(line) > 1 and pdfmetrics.stringWidth(line, font, size) > width:
            cut = len(line) - 1
            while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


def _column_width(texts: list[str], font: str = FONT, size: float = 8.5) -> float:
    return max(pdfmetrics.stringWidth(text, font, size) for text in texts) + 2 * PAD


def seller_lines(seller: Party, lang: str) -> list[str]:
    t = _TEXT[lang]
    lines = [line for line in seller.street.splitlines() if line.strip()]
    lines += [f"{seller.postcode} {seller.city}".strip(), *_country_lines(seller, lang)]
    if seller.organization_number:
        org = t["org_number"].format(_org_number(seller.organization_number))
        lines.append(f"{org} {t['vat_registered']}" if seller.vat_number else org)
    if seller.shows_foretaksregisteret:
        lines.append("Foretaksregisteret")  # foretaksregisterloven § 10-2, in any language
    return [line for line in [*lines, seller.email, seller.phone] if line]


def address_lines(doc: PrintableInvoice) -> list[str]:
    """The window-envelope block; the buyer's name is the first line after `line_above_name`."""
    buyer, t = doc.buyer, _TEXT[doc.language]
    lines = [doc.line_above_name, buyer.name, doc.line_below_name, *buyer.street.splitlines()]
    lines += [f"{buyer.postcode} {buyer.city}", *_country_lines(buyer, doc.language)]
    if buyer.organization_number:
        lines.append(t["org_number"].format(_org_number(buyer.organization_number)))
    return [line.strip() for line in lines if line.strip()]


def facts(doc: PrintableInvoice) -> list[tuple[str, str]]:
    t, is_invoice = _TEXT[doc.language], doc.kind == "invoice"
    pairs = [
        (t["number" if is_invoice else "credit_number"], str(doc.number)),
        (t["issue_date" if is_invoice else "credit_date"], _date(doc.issue_date)),
        (t["due_date"], _date(doc.due_date) if is_invoice else ""),
        (t["customer_number"], str(doc.customer_number)),
        (t["delivery_date"], _date(doc.delivery_date) if doc.delivery_date else ""),
        (t["your_reference"], doc.your_reference),
        (t["order_reference"], doc.order_reference),
        (t["contract_reference"], doc.contract_reference),
        (t["customer_contact"], doc.customer_contact),
        (t["project"], doc.project),
        (t["kid"], doc.kid if is_invoice else ""),
    ]
    return [(label, value) for label, value in pairs if value]


_FACT_SIZE, _FACT_LEADING, _FACT_VALUE_X = 8.5, 11.5, RIGHT_X + 30 * mm
_FACTS_TOP = WINDOW_TOP + 12 * mm


def _fact_rows(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One row per printed line: long values wrap inside the right column."""
    rows = []
    for label, value in pairs:
        wrapped = _wrap(value, BOLD, _FACT_SIZE, PAGE_W - MARGIN - _FACT_VALUE_X)
        rows += [(label, wrapped[0]), *(("", line) for line in wrapped[1:])]
    return rows


def _text(canvas: Canvas, x: float, top: float, text: str, font: str, size: float) -> None:
    """Draws `text` with its top `top` below the top edge of the page."""
    canvas.setFont(font, size)
    canvas.drawString(x, PAGE_H - top - size, text)


def _draw_first_page(canvas: Canvas, doc: PrintableInvoice, rows: list[tuple[str, str]]) -> None:
    _text(canvas, MARGIN, 15 * mm, doc.seller.name, BOLD, 15)
    lines = seller_lines(doc.seller, doc.language)
    wrapped = [part for line in lines for part in _wrap(line, FONT, 8, PAGE_W - MARGIN - RIGHT_X)]
    for i, line in enumerate(wrapped):
        _text(canvas, RIGHT_X, 15 * mm + i * 10, line, FONT, 8)
    name_index, top = (1 if doc.line_above_name.strip() else 0), WINDOW_TOP + 3 * mm
    for i, line in enumerate(address_lines(doc)):
        font = BOLD if i == name_index else FONT
        for part in _wrap(line, font, 10, WINDOW_W):
            _text(canvas, MARGIN, top, part, font, 10)
            top += 13
    _text(canvas, RIGHT_X, WINDOW_TOP + 2 * mm, _TEXT[doc.language][doc.kind], BOLD, 16)
    for i, (label, value) in enumerate(rows):
        _text(canvas, RIGHT_X, _FACTS_TOP + i * _FACT_LEADING, label, FONT, _FACT_SIZE)
        _text(canvas, _FACT_VALUE_X, _FACTS_TOP + i * _FACT_LEADING, value, BOLD, _FACT_SIZE)


def _draw_later_page(canvas: Canvas, doc: PrintableInvoice) -> None:
    _text(canvas, MARGIN, 12 * mm, doc.seller.name, BOLD, 9)
    title = f"{_TEXT[doc.language][doc.kind].capitalize()} {doc.number}"
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 12 * mm - 9, title)


def _numbered_canvas(page_text: str) -> type[Canvas]:
    class NumberedCanvas(Canvas):
        """Holds pages back until save() so each can say "Side 1 av N"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._states = []

        def showPage(self):
            self._states.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for number, state in enumerate(self._states, start=1):
                self.__dict__.update(state)
                self.setFont(FONT, 8)
                page = page_text.format(number, len(self._states))
                self.drawRightString(PAGE_W - MARGIN, 10 * mm, page)
                super().showPage()
            super().save()

    return NumberedCanvas


def _lines_table(doc: PrintableInvoice, amount_w: float) -> Table:
    t, lang = _TEXT[doc.language], doc.language
    with_discount = any(line.discount_percent for line in doc.lines)
    header = [t["description"], t["quantity"], t["unit"], t["unit_price"]]
    header += [t["discount"]] if with_discount else []
    header += [t["vat"], t["amount"]]
    rows = []
    for line in doc.lines:
        row = [line.description, _number(line.quantity, lang, "#,##0.##"), line.unit]
        row.append(_number(line.unit_price, lang, "#,##0.00##"))  # prices may have more decimals
        discount = line.discount_percent
        row += [_percent(discount, lang) if discount else ""] if with_discount else []
        rows.append([*row, _percent(line.vat_rate, lang), _number(line.net_amount, lang)])
    numeric = range(1, len(header) - 1)  # sized to their content; the amount column is shared
    widths = [_column_width([row[i] for row in rows] + [header[i]], BOLD) for i in numeric]
    widths = [CONTENT_W - sum(widths) - amount_w, *widths, amount_w]
    for row in rows:
        row[0] = _cell(row[0], widths[0] - PAD)
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=_GRID, hAlign="LEFT")


def _vat_label(category: str, rate: int, base: str, lang: str) -> str:
    t = _TEXT[lang]
    if rate == 0 and category in ("Z", "E", "AE", "O"):
        return t[category].format(base)
    return t["vat_line"].format(rate, base)


def _totals(doc: PrintableInvoice) -> list[list[str]]:
    t, lang = _TEXT[doc.language], doc.language
    rows = [[t["net_total"], _number(doc.net_total, lang)]]
    for group in doc.vat_groups:
        base = _number(group.taxable_amount, lang)
        rows.append([_vat_label(group.category, group.rate, base, lang)])
        rows[-1].append(_number(group.vat_amount, lang))
    label = t["amount_due"] if doc.kind == "invoice" else t["credit_total"]
    total = doc.total if doc.kind == "invoice" else abs(doc.total)
    return [*rows, [f"{label} {doc.currency}", _number(total, lang)]]


def _totals_table(rows: list[list[str]], amount_w: float) -> Table:
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9, 11),
        ("FONT", (0, -1), (-1, -1), BOLD, 10.5, 13),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("TOPPADDING", (0, -1), (-1, -1), 4),
    ]
    return Table(rows, colWidths=[CONTENT_W - amount_w, amount_w], style=style, hAlign="LEFT")


def _payment_box(doc: PrintableInvoice) -> Table:
    t, lang = _TEXT[doc.language], doc.language
    reference = (t["kid"], doc.kid) if doc.kid else (t["number"], str(doc.number))
    cells = [
        (t["account"], format_bank_account(doc.seller.bank_account)),
        reference,
        (t["amount_due"], f"{doc.currency} {_number(doc.total, lang)}"),
        (t["due_date"], _date(doc.due_date)),
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
    total = _number(sum((h.hours for h in doc.hour_specification), Decimal(0)), lang)
    hours = [_number(h.hours, lang) for h in doc.hour_specification]
    widths = [22 * mm, 36 * mm, 34 * mm, 0, _column_width([*hours, total, t["hours"]], BOLD)]
    widths[3] = CONTENT_W - sum(widths)
    rows = []
    for h, n in zip(doc.hour_specification, hours, strict=True):
        texts = (h.employee, h.project, h.description)
        cells = [_cell(text, w - 2 * PAD) for text, w in zip(texts, widths[1:4], strict=True)]
        rows.append([_date(h.date), *cells, n])
    total_row = [t["hours_total"], "", "", "", total]
    style = [
        *_GRID,
        ("ALIGN", (0, 0), (-2, -1), "LEFT"),
        ("FONT", (0, -1), (-1, -1), BOLD, 8.5, 10.5),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
    ]
    table = Table([header, *rows, total_row], colWidths=widths, repeatRows=1, style=style)
    return [PageBreak(), Paragraph(t["hours_title"], _HEADING), table]


def _story(doc: PrintableInvoice) -> list:
    t, lang = _TEXT[doc.language], doc.language
    story = []
    if doc.kind == "credit_note" and doc.credited_invoice_number:
        credited = _date(doc.credited_invoice_date) if doc.credited_invoice_date else ""
        story.append(_para(t["credits"].format(doc.credited_invoice_number, credited), _STRONG))
    if doc.invoice_text:
        story.append(_para(doc.invoice_text, _BODY))
    totals = _totals(doc)
    amounts = [_number(line.net_amount, lang) for line in doc.lines] + [r[1] for r in totals]
    amount_w = _column_width([*amounts, t["amount"]], BOLD, 10.5)
    story += [Spacer(0, 4 * mm), _lines_table(doc, amount_w), Spacer(0, 3 * mm)]
    closing = [_totals_table(totals, amount_w), Spacer(0, 6 * mm)]
    if doc.footer_text:
        closing.append(_para(doc.footer_text, _BODY))
    if doc.kind == "invoice":
        closing += [Spacer(0, 3 * mm), _payment_box(doc)]
        if doc.seller.iban and doc.seller.iban != doc.seller.bank_account:
            # The EHF carries the IBAN/BIC as a second means of payment; the PDF says the same.
            abroad = t["abroad"].format(format_bank_account(doc.seller.iban))
            if doc.seller.bic:
                abroad += f", BIC {doc.seller.bic}"
            closing += [Spacer(0, 2 * mm), _para(abroad, _BODY)]
    else:
        amount = f"{doc.currency} {_number(abs(doc.total), lang)}"
        closing.append(_para(t["credited"].format(amount), _BODY))
    story.append(KeepTogether(closing))
    if doc.hour_specification:
        story += _hour_specification(doc)
    return story


def render_invoice_pdf(doc: PrintableInvoice) -> bytes:
    t = _TEXT[doc.language]
    rows = _fact_rows(facts(doc))
    header_bottom = max(WINDOW_TOP + WINDOW_H, _FACTS_TOP + len(rows) * _FACT_LEADING) + 6 * mm
    bottom = 18 * mm
    first = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - header_bottom - bottom, 0, 0, 0, 0, id="f")
    later = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - 22 * mm - bottom, 0, 0, 0, 0, id="l")
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=FONT,  # else an unused, unembedded Helvetica lands in the resources
        invariant=1,  # no timestamp or random id: the same invoice gives the same bytes
        title=f"{t[doc.kind].capitalize()} {doc.number}",
        author=doc.seller.name,
        lang="nb-NO" if doc.language == "nb" else "en-GB",
    )
    template.addPageTemplates(
        [
            PageTemplate(
                "first",
                [first],
                onPage=lambda canvas, _: _draw_first_page(canvas, doc, rows),
                autoNextPageTemplate="later",
            ),
            PageTemplate("later", [later], onPage=lambda canvas, _: _draw_later_page(canvas, doc)),
        ]
    )
    template.build(_story(doc), canvasmaker=_numbered_canvas(t["page"]))
    return buffer.getvalue()
