"""The export to accounting: one run writes every issued document that is waiting to be
transferred to a CSV and an XLSX file (one row per invoice line), keeps both files and marks the
documents transferred, in one transaction. People change a document's export status by hand with
`export_status_change`. The file format is described in docs/accounting-export.md.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kunde.activity.services import log_activity
from kunde.invoices.models import (
    AccountingExport,
    ExportStatus,
    ExportStatusChange,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from kunde.lib.table_export import Column, table_csv, table_xlsx
from kunde.lib.vat import document_totals


@dataclass(frozen=True)
class Posting:
    vat_code: str  # the Norwegian SAF-T standard VAT code ("standard MVA-kode")
    account: str  # the default sales account (NS 4102 standard chart of accounts)


# (EN 16931 VAT category, rate) -> how the line is posted. Every pair lib.vat accepts is here.
# AE: a professional-services firm charges reverse charge when it sells services abroad
# (export, code 52); domestic reverse charge (code 51) only covers emission quotas and gold.
POSTINGS = {
    ("S", 25): Posting("3", "3000"),  # output VAT, regular rate; sales, VAT liable
    ("S", 15): Posting("31", "3000"),  # output VAT, middle rate
    ("S", 12): Posting("33", "3000"),  # output VAT, low rate
    ("Z", 0): Posting("5", "3100"),  # domestic sales exempt from VAT (0 %); sales, VAT free
    ("E", 0): Posting("5", "3100"),
    ("AE", 0): Posting("52", "3100"),  # export of goods and services
    ("O", 0): Posting("6", "3200"),  # sales outside the VAT act; sales, outside VAT
}

# The file's columns, in order. CSV headers are the keys; the XLSX shows the labels.
COLUMNS = [
    Column("customer_number", "Customer number", "int"),
    Column("customer_name", "Customer name"),
    Column("customer_org_number", "Customer org. number"),
    Column("document_type", "Document type"),
    Column("invoice_number", "Invoice number", "int"),
    Column("credited_invoice_number", "Credited invoice number", "int"),
    Column("issue_date", "Issue date", "date"),
    Column("due_date", "Due date", "date"),
    Column("kid", "KID"),
    Column("currency", "Currency"),
    Column("line_number", "Line", "int"),
    Column("description", "Description"),
    Column("account", "Account"),
    Column("vat_code", "VAT code"),
    Column("vat_rate", "VAT %", "int"),
    Column("net_amount", "Net amount", "money"),
    Column("vat_amount", "VAT amount", "money"),
    Column("gross_amount", "Gross amount", "money"),
    Column("project_number", "Project number", "int"),
    Column("your_reference", "Your reference"),
    Column("order_reference", "Order reference"),
]
CSV_DELIMITER = ";"
RECENT_RUNS = 20


class AccountingExportError(Exception):
    """The export cannot be written as it stands; nothing was marked transferred."""


# Reads ----------------------------------------------------------------------------------------


def export_runs() -> QuerySet[AccountingExport]:
    """All runs, newest first, with who made them."""
    return AccountingExport.objects.select_related("created_by").order_by("-created_at", "-id")


def documents_to_transfer_count() -> int:
    return Invoice.objects.filter(
        status=InvoiceStatus.ISSUED, export_status=ExportStatus.TO_TRANSFER
    ).count()


def customer_issued_documents(customer) -> list[Invoice]:
    """The customer's issued invoices and credit notes, newest first, for the status dialog."""
    return list(
        Invoice.objects.filter(customer=customer, status=InvoiceStatus.ISSUED)
        .select_related("export_run")
        .order_by("-issue_date", "-number")
    )


# Rows -----------------------------------------------------------------------------------------


def _round_ore(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_vat_ore(lines: list[InvoiceLine]) -> dict[int, int]:
    """Each line's share of its document's VAT, keyed by line id.

    The document's VAT is computed per category and rate on the sum of the lines
    (lib.vat.document_totals). Each line gets its own rate share rounded to øre, and the
    rounding difference of the group goes to its largest line, so the shares add up exactly.
    """
    totals = document_totals([(line.net_ore, line.vat_category, line.vat_rate) for line in lines])
    shares = {}
    for group in totals.groups:
        members = [
            line
            for line in lines
            if (line.vat_category, line.vat_rate) == (group.category, group.rate)
        ]
        for line in members:
            shares[line.pk] = _round_ore(Decimal(line.net_ore) * line.vat_rate / 100)
        largest = max(members, key=lambda line: abs(line.net_ore))  # the first of equals
        shares[largest.pk] += group.vat_ore - sum(shares[line.pk] for line in members)
    return shares


def _posting(line: InvoiceLine, document: Invoice) -> Posting:
    try:
        return POSTINGS[(line.vat_category, line.vat_rate)]
    except KeyError:
        raise AccountingExportError(
            f"{document}: no VAT code for category {line.vat_category} at {line.vat_rate} %."
        ) from None


def document_rows(document: Invoice, lines: list[InvoiceLine]) -> list[dict]:
    """One row per line of an issued document; amounts in øre. The rows add up to the
    document's stored totals, or AccountingExportError says which document does not."""
    vat = line_vat_ore(lines)
    buyer = document.buyer or {}
    common = {
        "customer_number": document.customer.number,
        "customer_name": buyer.get("name") or document.customer.name,
        "customer_org_number": buyer.get("organization_number", ""),
        "document_type": document.kind,
        "invoice_number": document.number,
        "credited_invoice_number": document.credited_invoice.number
        if document.credited_invoice
        else None,
        "issue_date": document.issue_date,
        "due_date": document.due_date,
        "kid": document.kid or "",
        "currency": document.currency,
        "project_number": document.project.number if document.project else None,
        "your_reference": document.your_reference,
        "order_reference": document.order_reference,
    }
    rows = []
    for number, line in enumerate(lines, start=1):
        posting = _posting(line, document)
        rows.append(
            {
                **common,
                "line_number": number,
                "description": line.description,
                "account": posting.account,
                "vat_code": posting.vat_code,
                "vat_rate": line.vat_rate,
                "net_amount": line.net_ore,
                "vat_amount": vat[line.pk],
                "gross_amount": line.net_ore + vat[line.pk],
            }
        )
    sums = (sum(r["net_amount"] for r in rows), sum(r["vat_amount"] for r in rows))
    if sums != (document.net_ore, document.vat_ore):
        raise AccountingExportError(
            f"{document}: its lines add up to net {sums[0]} and VAT {sums[1]} øre, but the "
            f"document says {document.net_ore} and {document.vat_ore}."
        )
    return rows


def rows_csv(rows: list[dict]) -> bytes:
    """UTF-8 with BOM, `;` between fields, decimal comma, CRLF line ends, quoted when needed;
    exact amounts and no formulas (lib.table_export.table_csv)."""
    return table_csv(columns=COLUMNS, rows=rows, delimiter=CSV_DELIMITER)


def rows_xlsx(rows: Iterable[dict], run: AccountingExport) -> bytes:
    at = timezone.localtime(run.created_at).strftime("%d.%m.%Y %H:%M")
    return table_xlsx(
        title=f"Accounting export {run.pk}",
        subtitle=f"{at}, {run.created_by}, {run.document_count} documents",
        columns=COLUMNS,
        rows=rows,
        language="en",
    )


# Actions --------------------------------------------------------------------------------------


# How far a run is, in percent, when each step is done: the rows are built per document, the
# XLSX (the slowest file) is written row by row; marking the documents is quick.
ROWS_BUILT, CSV_WRITTEN, XLSX_WRITTEN = 40, 50, 90


def _no_progress(done: int, total: int) -> None:
    pass


def accounting_export_run(*, actor, progress=_no_progress) -> AccountingExport | None:
    """Export every issued document that is to be transferred, and mark them transferred.

    The documents are locked while the files are written, so two runs at the same time never
    export a document twice: the second waits, then finds nothing left. Returns None, and
    writes no file, when there is nothing to transfer. `progress(percent, 100)` is told how
    far the run is (a job's progress bar).
    """
    with transaction.atomic():
        documents = list(
            Invoice.objects.select_for_update(of=("self",))
            .filter(status=InvoiceStatus.ISSUED, export_status=ExportStatus.TO_TRANSFER)
            .select_related("customer", "project", "credited_invoice")
            .order_by("number")
        )
        if not documents:
            return None
        lines = defaultdict(list)
        for line in InvoiceLine.objects.filter(invoice__in=documents).order_by(
            "invoice_id", "position", "id"
        ):
            lines[line.invoice_id].append(line)
        rows = []
        for done, doc in enumerate(documents, start=1):
            rows.extend(document_rows(doc, lines[doc.pk]))
            if done % 200 == 0:
                progress(done * ROWS_BUILT // len(documents), 100)
        progress(ROWS_BUILT, 100)

        run = AccountingExport.objects.create(created_by=actor, document_count=len(documents))
        name = f"accounting-export-{run.pk:05d}"
        run.csv_file.save(f"{name}.csv", ContentFile(rows_csv(rows)), save=False)
        progress(CSV_WRITTEN, 100)
        xlsx_rows = _counted(
            rows,
            lambda done: progress(
                CSV_WRITTEN + (XLSX_WRITTEN - CSV_WRITTEN) * done // len(rows), 100
            ),
        )
        run.xlsx_file.save(f"{name}.xlsx", ContentFile(rows_xlsx(xlsx_rows, run)), save=False)
        run.save(update_fields=["csv_file", "xlsx_file"])
        progress(XLSX_WRITTEN, 100)

        Invoice.objects.filter(pk__in=[doc.pk for doc in documents]).update(
            export_status=ExportStatus.TRANSFERRED, exported_at=timezone.now(), export_run=run
        )
        by_customer = defaultdict(list)
        for doc in documents:
            by_customer[doc.customer].append(doc)
        for customer, docs in by_customer.items():
            log_activity(
                customer=customer,
                actor=actor,
                action="invoice.exported",
                params={"count": len(docs), "run": run.pk},
                changes=_status_changes(docs, ExportStatus.TRANSFERRED),
            )
    return run


def _counted(rows: list[dict], report) -> Iterator[dict]:
    """The rows as a file writer takes them, calling `report(taken)` every 500 rows."""
    for taken, row in enumerate(rows, start=1):
        yield row
        if taken % 500 == 0:
            report(taken)


def _status_changes(documents: list[Invoice], new: str) -> dict:
    return {
        # Per document: its name and the status codes, worded when shown.
        f"export_status_{doc.pk}": {
            "doc": doc.activity_ref(),
            "field": "export_status",
            "old": doc.export_status,
            "new": new,
        }
        for doc in documents
    }


def export_status_change(*, actor, customer, document_ids, status: str) -> list[Invoice]:
    """Set the export status of some of the customer's issued documents, logging each change.
    Setting a transferred document back to "to transfer" makes the next run export it again.
    Refuses the whole request, changing nothing, when an id is unknown or a draft.
    Returns the documents whose status changed (those that already had it are left alone)."""
    if status not in ExportStatus.values:
        raise ValidationError(
            {"status": _("“%(status)s” is not an export status.") % {"status": status}}
        )
    ids = set(document_ids)
    if not ids:
        raise ValidationError({"documents": _("Choose at least one document.")})
    with transaction.atomic():
        documents = list(
            Invoice.objects.select_for_update(of=("self",))
            .filter(customer=customer, pk__in=ids)
            .order_by("number", "pk")
        )
        unknown = ids - {doc.pk for doc in documents}
        if unknown:
            raise ValidationError(
                {
                    "documents": _(
                        "Some of the chosen documents are not this customer's invoices or "
                        "credit notes (%(ids)s). Nothing was changed."
                    )
                    % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
                }
            )
        drafts = [doc for doc in documents if not doc.is_issued]
        if drafts:
            raise ValidationError(
                {
                    "documents": _(
                        "Only issued documents have an export status; a draft cannot be "
                        "chosen. Nothing was changed."
                    )
                }
            )
        changed = [doc for doc in documents if doc.export_status != status]
        if not changed:
            return []
        Invoice.objects.filter(pk__in=[doc.pk for doc in changed]).update(export_status=status)
        ExportStatusChange.objects.bulk_create(
            ExportStatusChange(
                invoice=doc, old_status=doc.export_status, new_status=status, actor=actor
            )
            for doc in changed
        )
        log_activity(
            customer=customer,
            actor=actor,
            action="invoice.export_status_changed",
            params={"export_status": status, "count": len(changed)},
            changes=_status_changes(changed, status),
        )
        for doc in changed:
            doc.export_status = status
    return changed


# As a job -------------------------------------------------------------------------------------


def goes_to_queue() -> bool:
    """A run of more documents than `DOWNLOADS_QUEUE_ABOVE_ROWS` is made by a worker."""
    return documents_to_transfer_count() > settings.DOWNLOADS_QUEUE_ABOVE_ROWS


def accounting_export_enqueue(*, actor):
    """Queue a run for a worker; the job's page links to its files when it is done."""
    from kunde.jobs.services import job_enqueue

    return job_enqueue(kind="invoices.accounting_export", actor=actor)


def run_export_job(job, report) -> dict:
    """The job: one run, as the button does (a run that died is rolled back whole, so the next
    attempt exports the same documents once)."""
    try:
        run = accounting_export_run(actor=job.created_by, progress=report)
    except AccountingExportError as error:
        raise ValidationError(_("Nothing was exported: %(reason)s") % {"reason": error}) from None
    if run is None:
        return {"export": None, "documents": 0}
    return {"export": run.pk, "documents": run.document_count}
