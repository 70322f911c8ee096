"""Download exactly the current view of a report as XLSX, CSV or PDF.

A report is a list of columns and an iterable of row dicts keyed by `Column.key`. Nothing here
touches the database: views choose the columns, fetch the rows and pass them on.

Every XLSX and CSV file Kunde writes goes through this module, so two rules hold everywhere:
money is exact (`money_value`: integer øre to a Decimal with two decimals, never float
arithmetic), and text is never a formula (`csv_text` neutralises it in CSV; XLSX text cells
are always written as strings).
"""

import csv
import io
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import reportlab
import xlsxwriter
from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from kunde.lib.document_pdf import MARGIN, RIGHT_X, WINDOW_H, WINDOW_TOP, numbered_canvas
from kunde.lib.money import format_hours, ore_to_kroner

OSLO = ZoneInfo("Europe/Oslo")
NUMERIC = {"int", "money", "hours"}  # right-aligned in the PDF, and the only kinds to sum
PDF_MAX_ROWS = 5000
PDF_TEXT_LIMIT = 300  # characters in a cell; the XLSX has all of it
WORDS = {
    "nb": {"total": "Sum", "page": "Side {page} av {pages}", "generated": "Generert {at}"},
    "en": {"total": "Total", "page": "Page {page} of {pages}", "generated": "Generated {at}"},
}
# Per kind: the Excel number format and column width.
XLSX_FORMATS = {"text": "@", "int": "0", "money": "#,##0.00", "hours": "0.00"}
XLSX_FORMATS |= {"date": "dd.mm.yyyy", "datetime": "dd.mm.yyyy hh:mm"}
XLSX_WIDTHS = {"text": 24, "int": 10, "money": 14, "hours": 9, "date": 11, "datetime": 16}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, money (int øre), date, datetime (aware), hours (int minutes)
    total: bool = False  # sum this column in a totals row

    def __post_init__(self):
        if self.kind not in XLSX_FORMATS:
            raise ValueError(f"Unknown column kind {self.kind!r} for {self.key!r}.")
        if self.total and self.kind not in NUMERIC:
            raise ValueError(f"Column {self.key!r} of kind {self.kind!r} cannot be summed.")


class TooManyRowsForPdf(ValueError):
    pass


@dataclass(frozen=True)
class Letter:
    """The first page of a report that is sent by post or e-mail (the customer statement):
    the sender at the top, the recipient where a window envelope shows it, how to pay."""

    sender_name: str
    sender_lines: list[str]
    recipient_lines: list[str]  # the name first
    payment_lines: list[str]


def money_value(ore: int) -> Decimal:
    """Integer øre as exact kroner with two decimals: the one way every export writes money.

    xlsxwriter writes a number with 16 significant digits: a float such as 90492.51 comes out
    as "90492.50999999999", while a Decimal comes out as its own digits, "90492.51".
    """
    return ore_to_kroner(ore)


# OWASP's list for CSV injection: a spreadsheet reads a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value) -> str:
    """A text cell for CSV that no spreadsheet runs as a formula: OWASP's advice, a leading
    apostrophe before a dangerous first character. Only text comes here; numbers (a negative
    amount among them) are written by `csv_value` and stay numbers."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(kind: str, value, *, decimal_separator: str = ",") -> str:
    """A cell as CSV text: exact amounts, ISO dates, neutralised text."""
    if value is None:
        return ""
    if kind == "money":
        return str(money_value(value)).replace(".", decimal_separator)
    if kind == "hours":
        return str((Decimal(value) / 60).quantize(Decimal("0.01"))).replace(".", decimal_separator)
    if kind == "int":
        return str(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return _oslo_naive(value).isoformat(sep=" ", timespec="minutes")
    return csv_text(value)


def table_csv(
    *, columns: list[Column], rows: Iterable[dict], delimiter: str = ";", header: str = "key"
) -> bytes:
    """UTF-8 with BOM, `delimiter` between fields, decimal comma, CRLF line ends, quoted when
    needed. The header row shows each column's key (or its label, with header="label")."""
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_text(getattr(column, header)) for column in columns])
    for row in rows:
        writer.writerow([csv_value(column.kind, row.get(column.key)) for column in columns])
    return output.getvalue().encode("utf-8-sig")


def _oslo_naive(value: datetime) -> datetime:
    # Show the wall-clock time the user sees in Kunde; Excel has no time zones.
    return value.astimezone(OSLO).replace(tzinfo=None)


# XLSX


def table_xlsx(
    *,
    title: str,
    columns: list[Column],
    rows: Iterable[dict],
    subtitle: str = "",
    language: str = "nb",
) -> bytes:
    output = io.BytesIO()
    # constant_memory streams each finished row to a temporary file. xlsxwriter's in_memory
    # option would switch it off silently and hold every row in memory until close().
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    fmt = {kind: workbook.add_format({"num_format": f}) for kind, f in XLSX_FORMATS.items()}
    total_fmt = {
        kind: workbook.add_format({"num_format": f, "bold": True, "top": 1})
        for kind, f in XLSX_FORMATS.items()
    }
    for col, column in enumerate(columns):
        sheet.set_column(col, col, max(len(column.label) + 2, XLSX_WIDTHS[column.kind]))

    sheet.write_string(0, 0, title, workbook.add_format({"bold": True, "font_size": 14}))
    if subtitle:
        sheet.write_string(1, 0, subtitle)
    header_row = 3 if subtitle else 2
    bold = workbook.add_format({"bold": True})
    for col, column in enumerate(columns):
        sheet.write_string(header_row, col, column.label, bold)

    # Sums stay exact integers (øre, minutes) and are converted once, at the end.
    sums = {column.key: 0 for column in columns if column.total}
    row = header_row
    for row, values in enumerate(rows, start=header_row + 1):
        for col, column in enumerate(columns):
            value = values.get(column.key)
            if value is not None:
                if column.key in sums:
                    sums[column.key] += value
                _write_xlsx_cell(sheet, row, col, column.kind, value, fmt[column.kind])

    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, row, max(len(columns) - 1, 0))
    if sums:
        row += 1
        if not columns[0].total:
            sheet.write_string(row, 0, WORDS[language]["total"], total_fmt["text"])
        for col, column in enumerate(columns):
            if column.total:
                total = _exact_total(column.kind, sums[column.key])
                sheet.write_number(row, col, total, total_fmt[column.kind])
    workbook.close()
    return output.getvalue()


def _write_xlsx_cell(sheet, row: int, col: int, kind: str, value, cell_format) -> None:
    if kind == "money":
        sheet.write_number(row, col, money_value(value), cell_format)
    elif kind == "hours":
        sheet.write_number(row, col, value / 60, cell_format)
    elif kind == "int":
        sheet.write_number(row, col, value, cell_format)
    elif kind == "date":
        sheet.write_datetime(row, col, value, cell_format)
    elif kind == "datetime":
        sheet.write_datetime(row, col, _oslo_naive(value), cell_format)
    else:
        sheet.write_string(row, col, str(value))  # never turns "=..." into a formula


def _exact_total(kind: str, total: int) -> Decimal | float | int:
    if kind == "money":
        return money_value(total)
    if kind == "hours":
        return total / 60  # a third of an hour has no exact decimal form anyway
    return total


# PDF

FONT, FONT_BOLD, FONT_SIZE = "Vera", "VeraBd", 8
CELL_PADDING = 6  # points left and right in a cell, as reportlab's default
TEXT_MIN_WIDTH, TEXT_MAX_WIDTH = 20 * mm, 80 * mm
TITLE = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18)
SUBTITLE = ParagraphStyle("subtitle", fontName=FONT, fontSize=10, leading=13)
PAYMENT = ParagraphStyle("payment", fontName=FONT, fontSize=9, leading=12)
# The recipient's address where a C5/E65 left-window envelope shows it, as on the invoice.
WINDOW_LEFT, SENDER_X = MARGIN, RIGHT_X
GENERATED = ParagraphStyle("generated", fontName=FONT, fontSize=FONT_SIZE, leading=FONT_SIZE + 2)


def _register_fonts() -> None:
    # Embedded TTFs: the Vera fonts that ship with reportlab cover æøå and no-break spaces.
    font_dir = Path(reportlab.__file__).parent / "fonts"
    for name in (FONT, FONT_BOLD):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(font_dir / f"{name}.ttf")))


def pdf_text(kind: str, value) -> str:
    """A cell value as shown in the PDF, in Norwegian format."""
    if value is None:
        return ""
    if kind == "money":
        return format_decimal(ore_to_kroner(value), format="#,##0.00", locale="nb_NO")
    if kind == "hours":
        return format_hours(value)
    if kind == "int":
        return format_decimal(value, format="#,##0", locale="nb_NO")
    if kind == "date":
        return value.strftime("%d.%m.%Y")
    if kind == "datetime":
        return _oslo_naive(value).strftime("%d.%m.%Y %H:%M")
    # A table row cannot break over pages, so a very long text would not fit on one.
    text = str(value)
    return text if len(text) <= PDF_TEXT_LIMIT else text[: PDF_TEXT_LIMIT - 1] + "…"


def table_pdf(
    *,
    title: str,
    columns: list[Column],
    rows: Iterable[dict],
    subtitle: str = "",
    language: str = "nb",
    generated_at: datetime | None = None,
    letter: Letter | None = None,
) -> bytes:
    # Materialising is fine below the limit; nobody reads a PDF with more rows.
    rows = list(itertools.islice(rows, PDF_MAX_ROWS + 1))
    if len(rows) > PDF_MAX_ROWS:
        raise TooManyRowsForPdf(
            f"The report has more than {PDF_MAX_ROWS} rows, too many for a PDF. "
            "Download it as XLSX instead."
        )
    _register_fonts()
    words = WORDS[language]
    # A letter is portrait, for the envelope's window; a wide table is then made smaller.
    pagesize = landscape(A4) if len(columns) > 6 and letter is None else A4
    margin = 15 * mm

    texts = [[pdf_text(c.kind, row.get(c.key)) for c in columns] for row in rows]
    totals = None
    if any(column.total for column in columns):
        totals = _pdf_totals_row(columns, rows, words["total"])
    table = _pdf_table(columns, texts, totals, pagesize[0] - 2 * margin)

    at = (generated_at or datetime.now(OSLO)).astimezone(OSLO).strftime("%d.%m.%Y %H:%M")
    story = [Paragraph(escape(title), TITLE)]
    if letter:
        story.insert(0, Spacer(0, WINDOW_TOP + WINDOW_H - margin + 4 * mm))
    if subtitle:
        story.append(Paragraph(escape(subtitle), SUBTITLE))
    if letter and letter.payment_lines:
        payment = "<br/>".join(escape(line) for line in letter.payment_lines)
        story += [Spacer(0, 2 * mm), Paragraph(payment, PAYMENT), Spacer(0, 2 * mm)]
    story += [Paragraph(words["generated"].format(at=at), GENERATED), Spacer(0, 4 * mm), table]

    output = io.BytesIO()
    margins = dict.fromkeys(("leftMargin", "rightMargin", "topMargin", "bottomMargin"), margin)
    # invariant: a fixed creation date and document id, so the same input gives the same bytes.
    document = SimpleDocTemplate(
        output, pagesize=pagesize, title=title, invariant=True, initialFontName=FONT, **margins
    )
    document.build(
        story,
        onFirstPage=partial(_draw_letterhead, letter=letter) if letter else lambda *args: None,
        canvasmaker=numbered_canvas(
            lambda page, pages: words["page"].format(page=page, pages=pages), right_margin=margin
        ),
    )
    return output.getvalue()


def _draw_letterhead(canvas, document, *, letter: Letter) -> None:
    """The sender at the top as on an invoice, the recipient in the envelope's window."""
    height = canvas._pagesize[1]

    def text(x, top, value, font, size):
        canvas.setFont(font, size)
        canvas.drawString(x, height - top - size, value)

    text(WINDOW_LEFT, 15 * mm, letter.sender_name, FONT_BOLD, 15)
    for i, line in enumerate(letter.sender_lines):
        text(SENDER_X, 15 * mm + i * 10, line, FONT, 8)
    for i, line in enumerate(letter.recipient_lines):
        text(WINDOW_LEFT, WINDOW_TOP + 3 * mm + i * 13, line, FONT_BOLD if i == 0 else FONT, 10)


def _pdf_table(columns: list[Column], texts, totals: list[str] | None, available: float):
    widths = _pdf_column_widths(columns, [*texts, totals] if totals else texts, available)
    # Too many columns for the page: make everything smaller rather than let numbers overlap.
    scale = min(1.0, available / sum(widths))
    size, padding = FONT_SIZE * scale, CELL_PADDING * scale
    text = ParagraphStyle("text", fontName=FONT, fontSize=size, leading=size * 1.25)
    head = ParagraphStyle("head", parent=text, fontName=FONT_BOLD)
    head_right = ParagraphStyle("head_right", parent=head, alignment=TA_RIGHT)

    numeric = [i for i, column in enumerate(columns) if column.kind in NUMERIC]
    header = [
        Paragraph(escape(c.label), head_right if c.kind in NUMERIC else head) for c in columns
    ]
    # Only free text goes into a Paragraph, to wrap; plain strings are much faster to lay out.
    body = [
        [
            Paragraph(escape(t), text) if c.kind == "text" else t
            for c, t in zip(columns, row, strict=True)
        ]
        for row in texts
    ]
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, size),
        ("LEFTPADDING", (0, 0), (-1, -1), padding),
        ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, len(body)), [colors.white, colors.HexColor("#f2f2f2")]),
        *(("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric),
    ]
    if totals:
        last = len(body) + 1  # a positive index stays right when the table is split over pages
        style += [
            ("FONT", (0, last), (-1, last), FONT_BOLD, size),
            ("LINEABOVE", (0, last), (-1, last), 0.8, colors.black),
        ]
        if not columns[0].total:
            style.append(("ALIGN", (0, last), (0, last), "LEFT"))
    data = [header, *body, *([totals] if totals else [])]
    table = LongTable(data, colWidths=[w * scale for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


def _pdf_column_widths(columns: list[Column], texts: list[list[str]], available: float):
    """Numbers and dates get the width they need; free text shares what is left, and wraps."""
    measure = partial(pdfmetrics.stringWidth, fontSize=FONT_SIZE)
    widths = []
    for i, column in enumerate(columns):
        longest = max((row[i] for row in texts), key=len, default="")
        width = max(measure(column.label, FONT_BOLD), measure(longest, FONT))
        width += 2 * CELL_PADDING + 2  # and a little slack, for rounding
        widths.append(min(width, TEXT_MAX_WIDTH) if column.kind == "text" else width)
    text_columns = [i for i, column in enumerate(columns) if column.kind == "text"]
    room = available - sum(w for i, w in enumerate(widths) if i not in text_columns)
    wanted = sum(widths[i] for i in text_columns)
    if 0 < wanted <= room:  # fill the page
        for i in text_columns:
            widths[i] *= room / wanted
    elif text_columns:  # narrow columns keep their width; the wider ones share what is left
        for n, i in enumerate(sorted(text_columns, key=widths.__getitem__)):
            widths[i] = min(widths[i], max(room / (len(text_columns) - n), TEXT_MIN_WIDTH))
            room -= widths[i]
    return widths


def _pdf_totals_row(columns: list[Column], rows: list[dict], label: str) -> list[str]:
    cells = [
        pdf_text(c.kind, sum(row.get(c.key) or 0 for row in rows)) if c.total else ""
        for c in columns
    ]
    if not columns[0].total:
        cells[0] = label
    return cells
