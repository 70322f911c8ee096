"""The house style of Kunde's printed documents (invoices, credit notes, offers), shared by
`kunde.lib.invoice_pdf` and `kunde.lib.offer_pdf`: embedded fonts, the A4 page with the seller's
header, the buyer's address in the envelope window and the facts column, the lines grid, the
totals, page numbers "Side 1 av N", and reportlab's `invariant` mode (the same bytes for the
same document: issued invoices must render again byte for byte).

Pure: the documents' modules build the story (the flowing body); `render_document` lays it out.
"""

import io
from collections.abc import Callable, Iterable
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
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table

from kunde.lib.invoice_document import Party

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

# (bokmål, English) of the labels every document prints; each document adds its own. Labels
# follow the document's language, not the user's.
LABELS = {
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
    "page": ("Side {} av {}", "Page {} of {}"),
    "org_number": ("Org.nr. {}", "Org. no. {}"),
    "vat_registered": ("MVA", "VAT"),
}


def texts(labels: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """{"nb": {key: bokmål}, "en": {key: English}} from (bokmål, English) pairs."""
    return {
        lang: {key: pair[i] for key, pair in labels.items()} for i, lang in enumerate(["nb", "en"])
    }


_TEXT = texts(LABELS)
_NUMBER_LOCALE = {"nb": "nb_NO", "en": "en_GB"}
_COUNTRY_NAMES = {"nb": Locale("nb").territories, "en": Locale("en").territories}

BODY = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4)
STRONG = ParagraphStyle("strong", parent=BODY, fontName=BOLD)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10.5)
HEADING = ParagraphStyle("heading", fontName=BOLD, fontSize=14, leading=18, spaceAfter=8)

GRID = [
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


def format_number(value: Decimal, lang: str, pattern: str = "#,##0.00") -> str:
    return format_decimal(value, format=pattern, locale=_NUMBER_LOCALE[lang])


def format_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def format_percent(value: Decimal | int, lang: str) -> str:
    return format_number(value, lang, "#,##0.##") + "\xa0%"


def format_org_number(value: str) -> str:
    """Norwegian numbers in groups of three (923 609 016); foreign ones as given."""
    if len(value) == 9 and value.isdigit():
        return f"{value[:3]} {value[3:6]} {value[6:]}"
    return value


def country_lines(party: Party, lang: str) -> list[str]:
    if party.country in ("", "NO"):
        return []
    return [_COUNTRY_NAMES[lang].get(party.country, party.country).upper()]


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def cell(text: str, width: float) -> str | Paragraph:
    """A plain string when it fits (much faster to lay out), a wrapping paragraph otherwise."""
    if "\n" not in text and pdfmetrics.stringWidth(text, FONT, CELL.fontSize) <= width:
        return text
    return para(text, CELL)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
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


def column_width(texts: Iterable[str], font: str = FONT, size: float = 8.5) -> float:
    return max(pdfmetrics.stringWidth(text, font, size) for text in texts) + 2 * PAD


def seller_lines(seller: Party, lang: str) -> list[str]:
    t = _TEXT[lang]
    lines = [line for line in seller.street.splitlines() if line.strip()]
    lines += [f"{seller.postcode} {seller.city}".strip(), *country_lines(seller, lang)]
    if seller.organization_number:
        org = t["org_number"].format(format_org_number(seller.organization_number))
        lines.append(f"{org} {t['vat_registered']}" if seller.vat_number else org)
    if seller.shows_foretaksregisteret:
        lines.append("Foretaksregisteret")  # foretaksregisterloven § 10-2, in any language
    return [line for line in [*lines, seller.email, seller.phone] if line]


# The lines table ------------------------------------------------------------------------------


def lines_header(lang: str, *, with_discount: bool) -> list[str]:
    t = _TEXT[lang]
    header = [t["description"], t["quantity"], t["unit"], t["unit_price"]]
    header += [t["discount"]] if with_discount else []
    return [*header, t["vat"], t["amount"]]


def line_cells(
    *,
    lang: str,
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price: str,
    discount: Decimal,
    with_discount: bool,
    vat_rate: int,
    net: Decimal,
) -> list[str]:
    """One row of the lines table, in the columns of `lines_header` (the price comes formatted:
    invoices show more decimals than offers)."""
    row = [description, format_number(quantity, lang, "#,##0.##"), unit, unit_price]
    row += [format_percent(discount, lang) if discount else ""] if with_discount else []
    return [*row, format_percent(vat_rate, lang), format_number(net, lang)]


def lines_widths(header: list[str], rows: list[list[str]], amount_w: float) -> list[float]:
    """The numeric columns sized to their content, the amount column as wide as the totals'
    (`amount_w`), and the description taking the rest."""
    numeric = range(1, len(header) - 1)
    widths = [column_width([row[i] for row in rows] + [header[i]], BOLD) for i in numeric]
    return [CONTENT_W - sum(widths) - amount_w, *widths, amount_w]


# Totals ---------------------------------------------------------------------------------------


def vat_label(category: str, rate: int, base: str, lang: str) -> str:
    t = _TEXT[lang]
    if rate == 0 and category in ("Z", "E", "AE", "O"):
        return t[category].format(base)
    return t["vat_line"].format(rate, base)


def totals_rows(
    lang: str,
    *,
    net: Decimal,
    vat_groups: Iterable[tuple[str, int, Decimal, Decimal]],
    total_label: str,
    total: Decimal,
) -> list[list[str]]:
    """The net total, one line per VAT group (category, rate, taxable amount, VAT) and the
    total under `total_label`."""
    rows = [[_TEXT[lang]["net_total"], format_number(net, lang)]]
    for category, rate, taxable, vat in vat_groups:
        base = format_number(taxable, lang)
        rows.append([vat_label(category, rate, base, lang), format_number(vat, lang)])
    return [*rows, [total_label, format_number(total, lang)]]


def totals_table(rows: list[list[str]], amount_w: float) -> Table:
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


# The page -------------------------------------------------------------------------------------

_FACT_SIZE, _FACT_LEADING, _FACT_VALUE_X = 8.5, 11.5, RIGHT_X + 30 * mm
_FACTS_TOP = WINDOW_TOP + 12 * mm


def _fact_rows(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One row per printed line: long values wrap inside the right column."""
    rows = []
    for label, value in pairs:
        wrapped = wrap(value, BOLD, _FACT_SIZE, PAGE_W - MARGIN - _FACT_VALUE_X)
        rows += [(label, wrapped[0]), *(("", line) for line in wrapped[1:])]
    return rows


def _text(canvas: Canvas, x: float, top: float, text: str, font: str, size: float) -> None:
    """Draws `text` with its top `top` below the top edge of the page."""
    canvas.setFont(font, size)
    canvas.drawString(x, PAGE_H - top - size, text)


def _draw_first_page(
    canvas: Canvas,
    *,
    seller: Party,
    lang: str,
    address: list[str],
    name_index: int,
    heading: str,
    rows: list[tuple[str, str]],
) -> None:
    _text(canvas, MARGIN, 15 * mm, seller.name, BOLD, 15)
    lines = seller_lines(seller, lang)
    wrapped = [part for line in lines for part in wrap(line, FONT, 8, PAGE_W - MARGIN - RIGHT_X)]
    for i, line in enumerate(wrapped):
        _text(canvas, RIGHT_X, 15 * mm + i * 10, line, FONT, 8)
    top = WINDOW_TOP + 3 * mm
    for i, line in enumerate(address):
        font = BOLD if i == name_index else FONT
        for part in wrap(line, font, 10, WINDOW_W):
            _text(canvas, MARGIN, top, part, font, 10)
            top += 13
    _text(canvas, RIGHT_X, WINDOW_TOP + 2 * mm, heading, BOLD, 16)
    for i, (label, value) in enumerate(rows):
        _text(canvas, RIGHT_X, _FACTS_TOP + i * _FACT_LEADING, label, FONT, _FACT_SIZE)
        _text(canvas, _FACT_VALUE_X, _FACTS_TOP + i * _FACT_LEADING, value, BOLD, _FACT_SIZE)


def _draw_later_page(canvas: Canvas, *, seller_name: str, title: str) -> None:
    _text(canvas, MARGIN, 12 * mm, seller_name, BOLD, 9)
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 12 * mm - 9, title)


def numbered_canvas(page_label: Callable[[int, int], str], *, right_margin: float) -> type[Canvas]:
    """A canvas that holds its pages back until save(), so that each can say "Side 1 av N":
    `page_label(page, pages)` at the foot, ending `right_margin` from the right edge."""

    class NumberedCanvas(Canvas):
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
                label = page_label(number, len(self._states))
                self.drawRightString(self._pagesize[0] - right_margin, 10 * mm, label)
                super().showPage()
            super().save()

    return NumberedCanvas


def render_document(
    story: list,
    *,
    lang: str,
    seller: Party,
    address: list[str],
    name_index: int,
    heading: str,
    title: str,
    facts: list[tuple[str, str]],
) -> bytes:
    """Lay `story` out on A4 pages: the first with the seller, the buyer's `address` (line
    `name_index` in bold) in the envelope window, `heading` and the `facts`; the later ones with
    the seller's name and `title` (also the PDF's title); every page numbered."""
    rows = _fact_rows(facts)
    header_bottom = max(WINDOW_TOP + WINDOW_H, _FACTS_TOP + len(rows) * _FACT_LEADING) + 6 * mm
    bottom = 18 * mm
    first = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - header_bottom - bottom, 0, 0, 0, 0, id="f")
    later = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - 22 * mm - bottom, 0, 0, 0, 0, id="l")
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=FONT,  # else an unused, unembedded Helvetica lands in the resources
        invariant=1,  # no timestamp or random id: the same document gives the same bytes
        title=title,
        author=seller.name,
        lang="nb-NO" if lang == "nb" else "en-GB",
    )

    def first_page(canvas, _):
        _draw_first_page(
            canvas,
            seller=seller,
            lang=lang,
            address=address,
            name_index=name_index,
            heading=heading,
            rows=rows,
        )

    def later_page(canvas, _):
        _draw_later_page(canvas, seller_name=seller.name, title=title)

    template.addPageTemplates(
        [
            PageTemplate("first", [first], onPage=first_page, autoNextPageTemplate="later"),
            PageTemplate("later", [later], onPage=later_page),
        ]
    )
    page_text = _TEXT[lang]["page"]
    canvas = numbered_canvas(page_text.format, right_margin=MARGIN)
    template.build(story, canvasmaker=canvas)
    return buffer.getvalue()
