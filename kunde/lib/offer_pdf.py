"""An offer as an A4 PDF, in the house style of the invoices (`kunde.lib.document_pdf`): the
same embedded fonts, header, window-envelope address, facts column, grid and totals.

Pure: takes the frozen offer data (`kunde.offers.documents.printable_data`), returns bytes;
reportlab's `invariant` mode gives the same bytes for the same data."""

from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from kunde.lib.document_pdf import (
    BODY,
    BOLD,
    CONTENT_W,
    GRID,
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
from kunde.lib.invoice_document import Party
from kunde.lib.money import ore_to_kroner

_TEXT = texts(
    {
        **LABELS,
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
        "section_total": ("Sum {}", "Total {}"),
        "optional": ("Valgfritt", "Optional"),
        "optional_note": (
            "Valgfrie linjer er ikke med i summen; de kan velges når tilbudet aksepteres.",
            "Optional lines are not in the total; they can be chosen when the offer is accepted.",
        ),
        "total": ("Totalt", "Total"),
    }
)
_ITALIC = ParagraphStyle("optional", parent=BODY, fontSize=8, textColor=colors.dimgrey)


def _date(text: str) -> str:
    return format_date(date.fromisoformat(text)) if text else ""


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
    t = _TEXT[data["language"]]
    buyer = Party(**data["buyer"])
    lines = [buyer.name, *buyer.street.splitlines(), f"{buyer.postcode} {buyer.city}"]
    lines += country_lines(buyer, data["language"])
    if buyer.organization_number:
        lines.append(t["org_number"].format(format_org_number(buyer.organization_number)))
    return [line.strip() for line in lines if line.strip()]


def _sections(lines: list[dict]) -> list[tuple[str, list[dict]]]:
    result: list[tuple[str, list[dict]]] = []
    for line in lines:
        if not result or result[-1][0] != line["section"]:
            result.append((line["section"], []))
        result[-1][1].append(line)
    return result


def _line_row(line: dict, lang: str, with_discount: bool) -> list[str]:
    text = line["description"]
    if line["optional"]:
        text = f"{text} ({_TEXT[lang]['optional'].lower()})"
    return line_cells(
        lang=lang,
        description=text,
        quantity=Decimal(line["quantity"]),
        unit=line["unit"],
        unit_price=format_number(ore_to_kroner(line["unit_price_ore"]), lang, "#,##0.00"),
        discount=Decimal(line["discount_percent"]),
        with_discount=with_discount,
        vat_rate=line["vat_rate"],
        net=ore_to_kroner(line["net_ore"]),
    )


def _lines_table(data: dict, amount_w: float) -> Table:
    lang = data["language"]
    t = _TEXT[lang]
    lines = data["lines"]
    with_discount = any(Decimal(line["discount_percent"]) for line in lines)
    header = lines_header(lang, with_discount=with_discount)
    width = len(header)
    rows: list[list] = []
    style = list(GRID)
    for title, section in _sections(lines):
        if title:
            rows.append([title] + [""] * (width - 1))
            style += [("FONT", (0, len(rows)), (0, len(rows)), BOLD, 8.5, 10.5)]
            style += [("SPAN", (0, len(rows)), (-1, len(rows)))]
        for line in section:
            rows.append(_line_row(line, lang, with_discount))
            if line["optional"]:
                style.append(("TEXTCOLOR", (0, len(rows)), (-1, len(rows)), colors.dimgrey))
        if title:
            net = sum(line["net_ore"] for line in section if not line["optional"])
            rows.append(
                [t["section_total"].format(title)]
                + [""] * (width - 2)
                + [format_number(ore_to_kroner(net), lang)]
            )
            style += [
                ("FONT", (0, len(rows)), (-1, len(rows)), BOLD, 8.5, 10.5),
                ("SPAN", (0, len(rows)), (-2, len(rows))),
            ]
    widths = lines_widths(header, [r for r in rows if r[1] != ""], amount_w)
    for row in rows:
        row[0] = cell(row[0], (CONTENT_W - amount_w if row[1] == "" else widths[0]) - PAD)
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=style, hAlign="LEFT")


def _totals(data: dict) -> list[list[str]]:
    currency = "NOK"
    return totals_rows(
        data["language"],
        net=ore_to_kroner(data["net_ore"]),
        vat_groups=[
            (
                group["category"],
                group["rate"],
                ore_to_kroner(group["taxable_ore"]),
                ore_to_kroner(group["vat_ore"]),
            )
            for group in data["vat_groups"]
        ],
        total_label=f"{_TEXT[data['language']]['total']} {currency}",
        total=ore_to_kroner(data["total_ore"]),
    )


def _story(data: dict) -> list:
    lang = data["language"]
    t = _TEXT[lang]
    story = [para(data["name"], STRONG)]
    if data["intro_text"]:
        story.append(para(data["intro_text"], BODY))
    totals = _totals(data)
    amounts = [format_number(ore_to_kroner(line["net_ore"]), lang) for line in data["lines"]]
    amount_w = column_width([*amounts, *(r[1] for r in totals), t["amount"]], BOLD, 10.5)
    story += [Spacer(0, 4 * mm), _lines_table(data, amount_w), Spacer(0, 3 * mm)]
    closing = [totals_table(totals, amount_w), Spacer(0, 6 * mm)]
    if data["optional_net_ore"]:
        closing.append(para(t["optional_note"], _ITALIC))
    if data["closing_text"]:
        closing.append(para(data["closing_text"], BODY))
    story.append(KeepTogether(closing))
    return story


def render_offer_pdf(data: dict) -> bytes:
    t = _TEXT[data["language"]]
    return render_document(
        _story(data),
        lang=data["language"],
        seller=Party(**data["seller"]),
        address=_address_lines(data),
        name_index=0,
        heading=t["offer"],
        title=f"{t['offer'].capitalize()} {data['number']}",
        facts=facts(data),
    )
