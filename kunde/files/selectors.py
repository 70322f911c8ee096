"""Reading a customer's files for the tab and the API: the uploads, and the documents Kunde
produced or received for the customer (issued invoice and credit note PDFs, bank files that
paid them), as one sortable, searchable, paginated list in a fixed number of queries."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import BooleanField, CharField, F, IntegerField, QuerySet, Value
from django.db.models.functions import Cast, Concat
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


def _uploader():
    return F("uploaded_by__username")


def _uploads(customer_id: int) -> QuerySet:
    return (
        CustomerFile.objects.filter(customer_id=customer_id, deleted_at__isnull=True)
        .order_by()
        .annotate(
            kind=Value(UPLOAD, output_field=CharField()),
            at=F("uploaded_at"),
            uploader=_uploader(),
            thumb=F("thumbnail"),
        )
        .values_list(*COLUMNS)
    )


def _invoices(customer_id: int) -> QuerySet:
    from kunde.invoices.models import Invoice, InvoiceStatus

    return (
        Invoice.objects.filter(customer_id=customer_id, status=InvoiceStatus.ISSUED)
        .exclude(pdf="")
        .exclude(pdf__isnull=True)
        .order_by()
        .annotate(
            # The kind column doubles as the document's kind: "invoice" or "credit_note".
            name=Concat(
                Cast("kind", CharField()),
                Value(" "),
                Cast("number", CharField()),
                Value(".pdf"),
                output_field=CharField(),
            ),
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


def _bank_files(customer_id: int) -> QuerySet:
    from kunde.payments.models import Payment, PaymentImport

    paid_from = Payment.objects.filter(customer_id=customer_id, source_import__isnull=False).values(
        "source_import_id"
    )
    return (
        PaymentImport.objects.filter(pk__in=paid_from)
        .order_by()
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
    """One page of the customer's files as dicts (COLUMNS), newest first unless sorted: two
    queries (count and page) however many files there are. Bank files hold other customers'
    payments too, so they are listed only for roles that may read them (`bank_files`)."""
    parts = []
    if params.show in ("all", "uploaded"):
        parts.append(_uploads(customer.pk))
    if params.show in ("all", "produced"):
        parts.append(_invoices(customer.pk))
        if bank_files:
            parts.append(_bank_files(customer.pk))
    if params.q:
        parts = [part.filter(name__icontains=params.q) for part in parts]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    rows = rows.order_by(*SORTS[params.sort])
    page = Paginator(rows, per_page or _per_page()).get_page(params.page)
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
        number = row["name"].split(" ", 1)[-1]
        row["name"] = f"{KIND_LABELS[kind]} {number}"
    return row
