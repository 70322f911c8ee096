import csv
import io
import itertools
import random
import re
import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from kunde.lib.table_export import (
    Column,
    TooManyRowsForPdf,
    csv_text,
    table_csv,
    table_pdf,
    table_xlsx,
)

COLUMNS = [
    Column("number", "Fakturanr.", "int"),
    Column("customer", "Kunde"),
    Column("issued", "Dato", "date"),
    Column("sent", "Sendt", "datetime"),
    Column("amount", "Beløp", "money", total=True),
    Column("hours", "Timer", "hours", total=True),
]
ROWS = [
    {
        "number": 10001,
        "customer": "Blåbær & Ørret AS",
        "issued": date(2026, 11, 24),
        "sent": datetime(2026, 11, 24, 12, 30, tzinfo=UTC),
        "amount": 123450,
        "hours": 90,
    },
    {"number": 10002, "customer": None, "issued": date(2026, 7, 1), "amount": -5},
]
GENERATED_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def read_xlsx(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def pdf_pages(data: bytes) -> list[str]:
    # Thousands are separated by a no-break space; compare against plain spaces.
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(io.BytesIO(data)).pages]


def test_xlsx_starts_with_title_subtitle_and_header():
    data = table_xlsx(title="Fakturaer", subtitle="Kunde 1001", columns=COLUMNS, rows=ROWS)
    sheet = read_xlsx(data)
    assert sheet[0][0] == "Fakturaer"
    assert sheet[1][0] == "Kunde 1001"
    assert sheet[3] == ["Fakturanr.", "Kunde", "Dato", "Sendt", "Beløp", "Timer"]
    xml = sheet_xml(data)
    assert '<autoFilter ref="A4:F6"/>' in xml
    assert 'ySplit="4"' in xml


def test_xlsx_without_subtitle_puts_the_header_on_the_third_row():
    sheet = read_xlsx(table_xlsx(title="Fakturaer", columns=COLUMNS, rows=ROWS))
    assert sheet[2][0] == "Fakturanr."


def test_xlsx_writes_real_numbers_dates_and_hours():
    sheet = read_xlsx(table_xlsx(title="Fakturaer", columns=COLUMNS, rows=ROWS))
    # 12:30 UTC is 13:30 in Oslo in November; Excel gets the naive Oslo time.
    assert sheet[3] == [
        10001,
        "Blåbær & Ørret AS",
        date(2026, 11, 24),
        datetime(2026, 11, 24, 13, 30),
        1234.5,
        1.5,
    ]


def test_xlsx_leaves_none_and_missing_values_empty():
    sheet = read_xlsx(table_xlsx(title="Fakturaer", columns=COLUMNS, rows=ROWS))
    assert sheet[4] == [10002, "", date(2026, 7, 1), "", -0.05, ""]


def test_xlsx_sets_number_formats():
    data = table_xlsx(title="Fakturaer", columns=COLUMNS, rows=ROWS)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        styles = archive.read("xl/styles.xml").decode()
    for number_format in ("#,##0.00", "dd.mm.yyyy", "dd.mm.yyyy hh:mm", "0.00"):
        assert f'formatCode="{number_format}"' in styles


def test_xlsx_totals_are_exact():
    rows = ({"amount": 10 if i % 2 else 20, "hours": 1} for i in range(10_000))
    columns = [Column("name", "Navn"), *COLUMNS[4:]]
    data = table_xlsx(title="Fakturaer", columns=columns, rows=rows)
    assert sum(0.1 if i % 2 else 0.2 for i in range(10_000)) != 1500  # why floats won't do
    assert read_xlsx(data)[-1] == ["Sum", 1500.0, pytest.approx(10_000 / 60)]
    assert "<v>1500.00</v>" in sheet_xml(data)


def test_xlsx_totals_row_is_labelled_in_the_report_language():
    columns = [Column("name", "Name"), Column("amount", "Amount", "money", total=True)]
    rows = [{"name": "A", "amount": 100}]
    sheet = read_xlsx(table_xlsx(title="Invoices", columns=columns, rows=rows, language="en"))
    assert sheet[-1] == ["Total", 1.0]


def test_xlsx_has_no_totals_row_without_total_columns():
    columns = [Column("name", "Navn"), Column("amount", "Beløp", "money")]
    sheet = read_xlsx(table_xlsx(title="Fakturaer", columns=columns, rows=[{"amount": 1}]))
    assert sheet[-1] == ["", 0.01]


def test_xlsx_keeps_formula_like_text_as_text():
    columns = [Column("name", "Navn")]
    data = table_xlsx(title="Fakturaer", columns=columns, rows=[{"name": "=1+1"}])
    assert read_xlsx(data)[-1] == ["=1+1"]
    assert "<f>" not in sheet_xml(data)


def cell_values(xml: str, column: str) -> list[str]:
    """The raw <v> text of every number cell in one column of the sheet."""
    return re.findall(rf'<c r="{column}\d+"[^>]*?(?<!t="s")><v>([^<]*)</v>', xml)


def test_xlsx_money_is_exact_to_two_decimals_in_the_file_and_read_back():
    amounts = [
        9_049_251,
        -12_500,
        1,
        10,
        99_999_999_999_99,
        *random.Random(9).sample(range(10**11), 500),
    ]
    columns = [Column("amount", "Beløp", "money", total=True)]
    data = table_xlsx(title="Fakturaer", columns=columns, rows=({"amount": a} for a in amounts))
    # A float written by xlsxwriter came out as "90492.50999999999"; the file has the digits.
    written = cell_values(sheet_xml(data), "A")
    expected = [str(Decimal(a) / 100) for a in amounts] + [str(Decimal(sum(amounts)) / 100)]
    assert written == [f"{Decimal(v):.2f}" for v in expected]
    assert written[0] == "90492.51"
    # Read back, every amount is the number nearest to its øre / 100: 2 exact decimals.
    values = [row[0] for row in read_xlsx(data)[3:]]
    assert values == [float(Decimal(v)) for v in expected]
    assert [f"{v:.2f}" for v in values] == written


def test_csv_writes_exact_amounts_iso_dates_and_a_header_of_keys():
    data = table_csv(columns=COLUMNS, rows=ROWS).decode("utf-8-sig")
    assert data.split("\r\n") == [
        "number;customer;issued;sent;amount;hours",
        "10001;Blåbær & Ørret AS;2026-11-24;2026-11-24 13:30;1234,50;1,50",
        "10002;;2026-07-01;;-0,05;",
        "",
    ]


@pytest.mark.parametrize(
    "text",
    ["=HYPERLINK(\"http://evil.example\",\"Klikk\")", "-2+3+cmd|' /C calc'!A0", "+47 22 00",
     "@SUM(1+1)", "\tfoo", "\rbar"],
)  # fmt: skip
def test_csv_neutralises_text_that_a_spreadsheet_would_run_as_a_formula(text):
    assert csv_text(text) == "'" + text
    data = table_csv(columns=[Column("name", "Navn")], rows=[{"name": text}])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [["name"], ["'" + text]]


def test_csv_keeps_negative_amounts_numbers_and_harmless_text_as_they_are():
    columns = [Column("name", "Navn"), Column("amount", "Beløp", "money")]
    data = table_csv(columns=columns, rows=[{"name": "Ørret 2 AS", "amount": -12_500}])
    assert data.decode("utf-8-sig").split("\r\n")[1] == "Ørret 2 AS;-125,00"
    assert csv_text("a=b") == "a=b"


def test_xlsx_streams_100000_rows_from_a_generator():
    columns = [
        *COLUMNS,
        Column("project", "Prosjekt"),
        Column("due", "Forfall", "date"),
        Column("net", "Netto", "money", total=True),
        Column("vat", "MVA", "money", total=True),
        Column("status", "Status"),
        Column("lines", "Linjer", "int", total=True),
    ]

    def rows():
        for i in range(100_000):
            yield {
                "number": 10_000 + i,
                "customer": f"Kunde {i} Blåbær AS",
                "issued": date(2026, 1, 1) + timedelta(days=i % 365),
                "sent": datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(minutes=i),
                "amount": 125_000 + i,
                "hours": 90,
                "project": "Prosjekt ø",
                "due": date(2026, 2, 1),
                "net": 100_000,
                "vat": 25_000 + i,
                "status": "Betalt",
                "lines": 3,
            }

    started = time.perf_counter()
    data = table_xlsx(title="Fakturaer", columns=columns, rows=rows())
    print(
        f"\n100,000 rows x 12 columns: {time.perf_counter() - started:.2f} s, {len(data):,} bytes"
    )

    sheet = read_xlsx(data)
    assert len(sheet) == 3 + 100_000 + 1
    assert sheet[-2][0] == 109_999
    amount = sum(range(125_000, 225_000))  # øre
    vat = sum(range(25_000, 125_000))
    assert sheet[-1] == [
        "Sum",
        "",
        "",
        "",
        amount / 100,
        150_000.0,
        "",
        "",
        100_000_000.0,
        vat / 100,
        "",
        300_000,
    ]
    # Constant-memory mode writes strings inline instead of into the shared string table.
    assert 't="inlineStr"' in sheet_xml(data)


def test_pdf_shows_title_header_values_and_totals():
    data = table_pdf(
        title="Fakturaer",
        subtitle="Kunde 1001",
        columns=COLUMNS,
        rows=ROWS,
        generated_at=GENERATED_AT,
    )
    [text] = pdf_pages(data)
    for expected in (
        "Fakturaer",
        "Kunde 1001",
        "Generert 24.11.2026 09:00",  # Oslo time
        "Fakturanr.",
        "Beløp",
        "10 001",
        "Blåbær & Ørret AS",
        "24.11.2026",
        "24.11.2026 13:30",
        "1 234,50",
        "1,50",
        "-0,05",
        "Sum\n1 234,45\n1,50",
        "Side 1 av 1",
    ):
        assert expected in text


def test_pdf_embeds_its_fonts():
    page = PdfReader(io.BytesIO(table_pdf(title="Æøå", columns=COLUMNS, rows=ROWS))).pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert {font["/BaseFont"].split("+")[1] for font in fonts} == {
        "BitstreamVeraSans-Roman",
        "BitstreamVeraSans-Bold",
    }
    for font in fonts:
        assert "/FontFile2" in font["/FontDescriptor"]


def test_pdf_is_portrait_up_to_six_columns_and_landscape_above():
    def size(columns):
        box = PdfReader(io.BytesIO(table_pdf(title="T", columns=columns, rows=ROWS))).pages[0]
        return box.mediabox.width, box.mediabox.height

    width, height = size(COLUMNS)
    assert width < height
    width, height = size([*COLUMNS, Column("extra", "Ekstra")])
    assert width > height


def test_pdf_numbers_pages_and_repeats_the_header():
    rows = [{"customer": f"Kunde {i}", "amount": 100} for i in range(200)]
    pages = pdf_pages(table_pdf(title="Fakturaer", columns=COLUMNS, rows=rows))
    assert len(pages) > 2
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} av {len(pages)}" in text
        assert "Fakturanr." in text
    assert "Sum\n200,00" in pages[-1]
    assert "Sum" not in pages[0]


def test_pdf_in_english():
    data = table_pdf(
        title="Invoices <A & B>",
        columns=COLUMNS,
        rows=ROWS,
        language="en",
        generated_at=GENERATED_AT,
    )
    [text] = pdf_pages(data)
    assert text.startswith("Invoices <A & B>\n")
    assert "Generated 24.11.2026 09:00" in text
    assert "Total\n1 234,45" in text
    assert "Page 1 of 1" in text


def test_pdf_cuts_text_too_long_for_one_page():
    columns = [Column("text", "Beskrivelse"), *COLUMNS[1:]] * 2
    rows = [{"text": "ord " * 5000, "amount": 100}]
    [text] = pdf_pages(table_pdf(title="Fakturaer", columns=columns, rows=rows))
    assert "ord…" in text


def test_pdf_shrinks_a_table_too_wide_for_the_page():
    columns = [Column(f"c{i}", f"Kolonne {i}", "money", total=True) for i in range(20)]
    rows = [{f"c{i}": 123456789 for i in range(20)}]
    [text] = pdf_pages(table_pdf(title="Fakturaer", columns=columns, rows=rows))
    assert text.count("1 234 567,89") == 40  # each value and each total
    assert "Kolonne 19" in text


def test_pdf_is_the_same_for_the_same_input():
    def render():
        return table_pdf(title="Fakturaer", columns=COLUMNS, rows=ROWS, generated_at=GENERATED_AT)

    assert render() == render()


def test_pdf_refuses_more_than_5000_rows():
    rows = ({"number": i} for i in itertools.count())  # endless: only 5,001 are read
    with pytest.raises(TooManyRowsForPdf, match="Download it as XLSX instead"):
        table_pdf(title="Fakturaer", columns=COLUMNS, rows=rows)


def test_columns_reject_unknown_kinds_and_totals_of_text():
    with pytest.raises(ValueError, match="Unknown column kind 'float'"):
        Column("x", "X", "float")
    with pytest.raises(ValueError, match="cannot be summed"):
        Column("x", "X", "date", total=True)
