"""Reading a customer's files for the tab and the API: the uploads, and the documents Kunde
produced or received for the customer (issued invoice and credit note PDFs, bank files that
paid them), as one sortable, searchable, paginated list in a fixed number of queries."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import BooleanField, CharField, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kunde.files.models import CustomerFile

# Kinds of rows in the list.
UPLOAD, INVOICE, CREDIT_NOTE, BANK_FILE = "upload", "invoice", "credit_note", "bank_file"
PRODUCED_KINDS = (INVOICE, CREDIT_NOTE, BANK_FILE)
KIND_LABELS = {
    UPLOAD: gettext_lazy("Uploaded"),
    INVOICE: gettext_lazy("Invoice"),
    CREDIT_NOTE: gettext_lazy("Credit note"),
    BANK_FILE: gettext_lazy("Bank file"),
}
SHOW_CHOICES = (
    ("all", gettext_lazy("All")),
    ("uploaded", gettext_lazy("Uploaded")),
    ("produced", gettext_lazy("Produced by Kunde")),
)
SORTS = {
    "date": ("-at", "-pk"),
    "-date": ("at", "pk"),
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "size": ("size", "pk"),
    "-size": ("-size", "-pk"),
    "type": ("content_type", "pk"),
    "uploader": ("uploader", "pk"),
}
COLUMNS = (
    "kind",
    "pk",
    "name",
    "description",
    "bookkeeping",
    "size",
    "content_type",
    "at",
    "uploader",
    "thumb",
)


@dataclass(frozen=True)
class FileListParams:
    show: str = "all"
    q: str = ""
    sort: str = "date"
    page: int = 1

    @classmethod
    def from_query(cls, query) -> "FileListParams":
        show = query.get("show", "all")
        sort = query.get("sort", "date")
        try:
            page = max(1, int(query.get("page", 1)))
        except (TypeError, ValueError):
            page = 1
        return cls(
            show=show if show in dict(SHOW_CHOICES) else "all",
            q=(query.get("q") or "").strip()[:100],
            sort=sort if sort in SORTS else "date",
            page=page,
        )


def customer_file_or_404(file_id: int, *, include_deleted: bool = False) -> CustomerFile:
    files = CustomerFile.objects.select_related("customer", "uploaded_by")
    if not include_deleted:
        files = files.filter(deleted_at__isnull=True)
    try:
        return files.get(pk=file_id)
    except CustomerFile.DoesNotExist:
        raise Http404(_("No such file.")) from None


def _uploads(customer_id: int, q: str) -> QuerySet:
    files = CustomerFile.objects.filter(customer_id=customer_id, deleted_at__isnull=True)
    return files.filter(name__icontains=q) if q else files


def _upload_rows(files: QuerySet) -> QuerySet:
    return (
        files.order_by()
        .annotate(
            kind=Value(UPLOAD, output_field=CharField()),
            at=F("uploaded_at"),
            uploader=F("uploaded_by__username"),
            thumb=F("thumbnail"),
        )
        .values_list(*COLUMNS)
    )


def _documents(customer_id: int, q: str) -> QuerySet:
    """Issued invoices and credit notes with their stored PDF. A search matches their number,
    or the word for their kind ("faktura", "kreditnota")."""
    from kunde.invoices.models import Invoice, InvoiceStatus

    documents = Invoice.objects.filter(
        customer_id=customer_id, status=InvoiceStatus.ISSUED
    ).exclude(pdf="")
    if not q:
        return documents
    kinds = [kind for kind in (INVOICE, CREDIT_NOTE) if q.lower() in str(KIND_LABELS[kind]).lower()]
    matches = Q(kind__in=kinds)
    if q.isdigit():
        matches |= Q(number__contains=q)  # LIKE on the number as text
    return documents.filter(matches)


def _document_rows(documents: QuerySet) -> QuerySet:
    return (
        documents.order_by()
        .annotate(
            # The kind column doubles as the document's kind: "invoice" or "credit_note"; the
            # name is made from it and the number (`_row`).
            name=Cast("number", CharField()),
            description=Value("", output_field=CharField()),
            bookkeeping=Value(True, output_field=BooleanField()),
            size=Value(None, output_field=IntegerField()),
            content_type=Value("application/pdf", output_field=CharField()),
            at=F("issued_at"),
            uploader=F("issued_by__username"),
            thumb=Value("", output_field=CharField()),
        )
        .values_list("kind", "pk", *COLUMNS[2:])
    )


def _bank_files(customer_id: int, q: str) -> QuerySet:
    from kunde.payments.models import Payment, PaymentImport

    paid_from = Payment.objects.filter(customer_id=customer_id, source_import__isnull=False).values(
        "source_import_id"
    )
    imports = PaymentImport.objects.filter(pk__in=paid_from)
    return imports.filter(file_name__icontains=q) if q else imports


def _bank_file_rows(imports: QuerySet) -> QuerySet:
    return (
        imports.order_by()
        .annotate(
            kind=Value(BANK_FILE, output_field=CharField()),
            name=F("file_name"),
            description=Value("", output_field=CharField()),
            bookkeeping=Value(True, output_field=BooleanField()),
            size=Value(None, output_field=IntegerField()),
            content_type=Value("application/octet-stream", output_field=CharField()),
            at=F("created_at"),
            uploader=F("created_by__username"),
            thumb=Value("", output_field=CharField()),
        )
        .values_list(*COLUMNS)
    )


def customer_files_page(
    customer, params: FileListParams, *, bank_files: bool = False, per_page: int | None = None
):
    """One page of the customer's files as dicts (COLUMNS), newest first unless sorted: one
    count per kind of row (on the indexes, no joins) and one query for the page, however many
    files there are. Bank files hold other customers' payments too, so they are listed only for
    roles that may read them (`bank_files`)."""
    parts = []
    if params.show in ("all", "uploaded"):
        parts.append((_uploads(customer.pk, params.q), _upload_rows))
    if params.show in ("all", "produced"):
        parts.append((_documents(customer.pk, params.q), _document_rows))
        if bank_files:
            parts.append((_bank_files(customer.pk, params.q), _bank_file_rows))
    selected = [rows(base) for base, rows in parts]
    union = selected[0].union(*selected[1:], all=True) if len(selected) > 1 else selected[0]
    paginator = Paginator(union.order_by(*SORTS[params.sort]), per_page or _per_page())
    # The union's count would join and sort; the parts' counts add up to it.
    paginator.count = sum(base.count() for base, _rows in parts)
    page = paginator.get_page(params.page)
    page.object_list = [_row(values) for values in page.object_list]
    return page


def _per_page() -> int:
    from django.conf import settings

    return settings.FILES_PER_PAGE


def _row(values) -> dict:
    row = dict(zip(COLUMNS, values, strict=True))
    kind = row["kind"]
    row["produced"] = kind != UPLOAD
    row["kind_label"] = KIND_LABELS.get(kind, kind)
    if kind in (INVOICE, CREDIT_NOTE):
        row["name"] = f"{KIND_LABELS[kind]} {row['name']}"
    return row
