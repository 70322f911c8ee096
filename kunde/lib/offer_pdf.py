"""An offer as an A4 PDF, in the house style of the invoices (`kunde.lib.invoice_pdf`): the
same embedded fonts, header, window-envelope address, facts column, grid and totals.

Pure: takes the frozen offer data (`kunde.offers.documents.printable_data`), returns bytes;
reportlab's `invariant` mode gives the same bytes for the same data."""

import io
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, KeepTogether, PageTemplate, Spacer, Table

from kunde.lib.invoice_document import Party
from kunde.lib.invoice_pdf import (
    _BODY,
    _FACT_LEADING,
    _FACT_SIZE,
    _FACT_VALUE_X,
    _FACTS_TOP,
    _GRID,
    _STRONG,
    BOLD,
    CONTENT_W,
    FONT,
    MARGIN,
    PAD,
    PAGE_H,
    PAGE_W,
    RIGHT_X,
    WINDOW_H,
    WINDOW_TOP,
    WINDOW_W,
    _cell,
    _column_width,
    _country_lines,
    _fact_rows,
    _number,
    _numbered_canvas,
    _org_number,
    _para,
    _percent,
    _text,
    _totals_table,
    _vat_label,
    _wrap,
    seller_lines,
)

_LABELS = {
    "offer": ("TILBUD", "OFFER"),
    "number": ("Tilbudsnr.", "Offer no."),
    "issue_date": ("Dato", "Date"),
    "valid_until": ("Gyldig til", "Valid until"),
    "start_date": ("Oppstart", "Start date"),
    "customer_number": ("Kundenr.", "Customer no."),
    "customer_reference": ("Deres ref.", "Your ref."),
    "contract_reference": ("Kontraktsref.", "Contract ref."),
    "contact": ("Kontaktperson", "Contact"),
    "made_by": ("Vår ref.", "Our ref."),
    "description": ("Beskrivelse", "Description"),
    "quantity": ("Antall", "Qty"),
    "unit": ("Enhet", "Unit"),
    "unit_price": ("Pris", "Price"),
    "discount": ("Rabatt", "Discount"),
    "vat": ("MVA", "VAT"),
    "amount": ("Beløp", "Amount"),
    "section_total": ("Sum {}", "Total {}"),
    "optional": ("Valgfritt", "Optional"),
    "optional_note": (
        "Valgfrie linjer er ikke med i summen; de kan velges når tilbudet aksepteres.",
        "Optional lines are not in the total; they can be chosen when the offer is accepted.",
    ),
    "net_total": ("Sum eks. MVA", "Total excl. VAT"),
    "total": ("Totalt", "Total"),
    "page": ("Side {} av {}", "Page {} of {}"),
}
_TEXT = {lang: {k: pair[i] for k, pair in _LABELS.items()} for i, lang in enumerate(["nb", "en"])}
_ITALIC = ParagraphStyle("optional", parent=_BODY, fontSize=8, textColor=colors.dimgrey)


def _kroner(ore: int) -> Decimal:
    return (Decimal(ore) / 100).quantize(Decimal("0.01"))


def _date(text: str) -> str:
    return date.fromisoformat(text).strftime("%d.%m.%Y") if text else ""


def facts(data: dict) -> list[tuple[str, str]]:
    t = _TEXT[data["language"]]
    pairs = [
        (t["number"], data["number"]),
        (t["issue_date"], _date(data["issue_date"])),
        (t["valid_until"], _date(data["valid_until"])),
        (t["start_date"], _date(data["start_date"])),
        (t["customer_number"], str(data["customer_number"])),
        (t["customer_reference"], data["customer_reference"]),
        (t["contract_reference"], data["contract_reference"]),
        (t["contact"], data["contact"]),
        (t["made_by"], data["made_by"]),
    ]
    return [(label, value) for label, value in pairs if value]


def _address_lines(data: dict) -> list[str]:
    buyer = Party(**data["buyer"])
    lines = [buyer.name, *buyer.street.splitlines(), f"{buyer.postcode} {buyer.city}"]
    lines += _country_lines(buyer, data["language"])
    if buyer.organization_number:
        lines.append(f"Org.nr. {_org_number(buyer.organization_number)}")
    return [line.strip() for line in lines if line.strip()]


def _draw_first_page(canvas, data: dict, rows) -> None:
    seller = Party(**data["seller"])
    _text(canvas, MARGIN, 15 * mm, seller.name, BOLD, 15)
    lines = seller_lines(seller, data["language"])
    wrapped = [part for line in lines for part in _wrap(line, FONT, 8, PAGE_W - MARGIN - RIGHT_X)]
    for i, line in enumerate(wrapped):
        _text(canvas, RIGHT_X, 15 * mm + i * 10, line, FONT, 8)
    top = WINDOW_TOP + 3 * mm
    for i, line in enumerate(_address_lines(data)):
        font = BOLD if i == 0 else FONT
        for part in _wrap(line, font, 10, WINDOW_W):
            _text(canvas, MARGIN, top, part, font, 10)
            top += 13
    _text(canvas, RIGHT_X, WINDOW_TOP + 2 * mm, _TEXT[data["language"]]["offer"], BOLD, 16)
    for i, (label, value) in enumerate(rows):
        _text(canvas, RIGHT_X, _FACTS_TOP + i * _FACT_LEADING, label, FONT, _FACT_SIZE)
        _text(canvas, _FACT_VALUE_X, _FACTS_TOP + i * _FACT_LEADING, value, BOLD, _FACT_SIZE)


def _draw_later_page(canvas, data: dict) -> None:
    _text(canvas, MARGIN, 12 * mm, data["seller"]["name"], BOLD, 9)
    title = f"{_TEXT[data['language']]['offer'].capitalize()} {data['number']}"
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 12 * mm - 9, title)


def _sections(lines: list[dict]) -> list[tuple[str, list[dict]]]:
    result: list[tuple[str, list[dict]]] = []
    for line in lines:
        if not result or result[-1][0] != line["section"]:
            result.append((line["section"], []))
        result[-1][1].append(line)
    return result


def _lines_table(data: dict, amount_w: float) -> Table:
    lang = data["language"]
    t = _TEXT[lang]
    lines = data["lines"]
    with_discount = any(Decimal(line["discount_percent"]) for line in lines)
    header = [t["description"], t["quantity"], t["unit"], t["unit_price"]]
    header += [t["discount"]] if with_discount else []
    header += [t["vat"], t["amount"]]
    width = len(header)
    rows: list[list] = []
    style = list(_GRID)
    for title, section in _sections(lines):
        if title:
            rows.append([title] + [""] * (width - 1))
            style += [("FONT", (0, len(rows)), (0, len(rows)), BOLD, 8.5, 10.5)]
            style += [("SPAN", (0, len(rows)), (-1, len(rows)))]
        for line in section:
            text = line["description"]
            if line["optional"]:
                text = f"{text} ({t['optional'].lower()})"
            row = [text, _number(Decimal(line["quantity"]), lang, "#,##0.##"), line["unit"]]
            row.append(_number(_kroner(line["unit_price_ore"]), lang, "#,##0.00"))
            discount = Decimal(line["discount_percent"])
            row += [_percent(discount, lang) if discount else ""] if with_discount else []
            row += [_percent(line["vat_rate"], lang), _number(_kroner(line["net_ore"]), lang)]
            rows.append(row)
            if line["optional"]:
                style.append(("TEXTCOLOR", (0, len(rows)), (-1, len(rows)), colors.dimgrey))
        if title:
            net = sum(line["net_ore"] for line in section if not line["optional"])
            rows.append(
                [t["section_total"].format(title)]
                + [""] * (width - 2)
                + [_number(_kroner(net), lang)]
            )
            style += [
                ("FONT", (0, len(rows)), (-1, len(rows)), BOLD, 8.5, 10.5),
                ("SPAN", (0, len(rows)), (-2, len(rows))),
            ]
    numeric = range(1, width - 1)
    body = [r for r in rows if r[1] != ""]
    widths = [_column_width([r[i] for r in body] + [header[i]], BOLD) for i in numeric]
    widths = [CONTENT_W - sum(widths) - amount_w, *widths, amount_w]
    for row in rows:
        row[0] = _cell(row[0], (CONTENT_W - amount_w if row[1] == "" else widths[0]) - PAD)
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=style, hAlign="LEFT")


def _totals(data: dict) -> list[list[str]]:
    lang = data["language"]
    t = _TEXT[lang]
    rows = [[t["net_total"], _number(_kroner(data["net_ore"]), lang)]]
    for group in data["vat_groups"]:
        base = _number(_kroner(group["taxable_ore"]), lang)
        rows.append(
            [
                _vat_label(group["category"], group["rate"], base, lang),
                _number(_kroner(group["vat_ore"]), lang),
            ]
        )
    currency = "NOK"
    return [*rows, [f"{t['total']} {currency}", _number(_kroner(data["total_ore"]), lang)]]


def _story(data: dict) -> list:
    lang = data["language"]
    t = _TEXT[lang]
    story = [_para(data["name"], _STRONG)]
    if data["intro_text"]:
        story.append(_para(data["intro_text"], _BODY))
    totals = _totals(data)
    amounts = [_number(_kroner(line["net_ore"]), lang) for line in data["lines"]]
    amount_w = _column_width([*amounts, *(r[1] for r in totals), t["amount"]], BOLD, 10.5)
    story += [Spacer(0, 4 * mm), _lines_table(data, amount_w), Spacer(0, 3 * mm)]
    closing = [_totals_table(totals, amount_w), Spacer(0, 6 * mm)]
    if data["optional_net_ore"]:
        closing.append(_para(t["optional_note"], _ITALIC))
    if data["closing_text"]:
        closing.append(_para(data["closing_text"], _BODY))
    story.append(KeepTogether(closing))
    return story


def render_offer_pdf(data: dict) -> bytes:
    t = _TEXT[data["language"]]
    rows = _fact_rows(facts(data))
    header_bottom = max(WINDOW_TOP + WINDOW_H, _FACTS_TOP + len(rows) * _FACT_LEADING) + 6 * mm
    bottom = 18 * mm
    first = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - header_bottom - bottom, 0, 0, 0, 0, id="f")
    later = Frame(MARGIN, bottom, CONTENT_W, PAGE_H - 22 * mm - bottom, 0, 0, 0, 0, id="l")
    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=A4,
        initialFontName=FONT,
        invariant=1,
        title=f"{t['offer'].capitalize()} {data['number']}",
        author=data["seller"]["name"],
        lang="nb-NO" if data["language"] == "nb" else "en-GB",
    )
    template.addPageTemplates(
        [
            PageTemplate(
                "first",
                [first],
                onPage=lambda canvas, _: _draw_first_page(canvas, data, rows),
                autoNextPageTemplate="later",
            ),
            PageTemplate("later", [later], onPage=lambda canvas, _: _draw_later_page(canvas, data)),
        ]
    )
    template.build(_story(data), canvasmaker=_numbered_canvas(t["page"]))
    return buffer.getvalue()
