"""Payments, bank-file imports and unmatched payments, over the services and selectors of
kunde.payments.

Money is whole øre in integer fields named `*_ore`; a payment's amount is positive for money in
and negative for money out. Reading is open to every role; registering payments, importing
files and assigning unmatched payments need a role that manages finance.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, File, Query, Schema, Status
from ninja.files import UploadedFile

from kunde.api.api import api
from kunde.api.common import InputSchema, QuerySchema, by_id, page_of
from kunde.customers.models import Customer
from kunde.invoices.models import Invoice
from kunde.lib.money import MAX_AMOUNT_ORE
from kunde.payments import import_jobs, selectors, services
from kunde.payments.models import ImportFormat, ImportStatus, MatchRule, Payment, PaymentMethod

TAGS = ["payments"]
MAX_FILE_BYTES = 100 * 1024 * 1024


def _require_finance(request) -> None:
    if not request.user.can_manage_finance:
        raise PermissionDenied(
            "Your role may read payments but not register, import or assign them."
        )


class AlreadyAssigned(Exception):
    pass


@api.exception_handler(AlreadyAssigned)
def _already_assigned(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


# Output -------------------------------------------------------------------------------------


class Detail(Schema):
    detail: str


class Errors(Schema):
    errors: dict[str, list[str]] = Field(description='Messages per field: {"amount_ore": ["…"]}.')


class PaymentOut(Schema):
    id: int
    customer: int | None = Field(
        None, alias="customer_id", description="Null while the payment is unmatched."
    )
    invoice: int | None = Field(
        None, alias="invoice_id", description="Null for the customer's credit, or unmatched."
    )
    amount_ore: int = Field(description="Money in is positive, money out negative.")
    currency: str
    date: dt.date
    method: PaymentMethod
    match_rule: MatchRule = Field(description="How the payment found its invoice.")
    kid: str
    payer_name: str
    payer_account: str
    text: str = Field(description="The text from the bank.")
    note: str
    source_import: int | None = Field(None, alias="source_import_id")
    related: int | None = Field(
        None, alias="related_id", description="The entry this one corrects or was split from."
    )
    created_at: dt.datetime
    assigned_at: dt.datetime | None


class PaymentPage(Schema):
    count: int
    page: int
    pages: int
    results: list[PaymentOut]


class SuggestionOut(Schema):
    invoice: int
    invoice_number: int
    customer: int
    customer_name: str
    open_ore: int
    reasons: list[str] = Field(
        description='"number" (in the text), "amount" (equals what is open), "name" (payer).'
    )


class UnmatchedOut(PaymentOut):
    suggestions: list[SuggestionOut]


class UnmatchedPage(Schema):
    count: int
    page: int
    pages: int
    results: list[UnmatchedOut]


class ImportOut(Schema):
    id: int
    format: ImportFormat | str
    file_name: str
    status: ImportStatus
    error: str = Field(description="Why the file was refused (with the line); empty otherwise.")
    summary: dict = Field(
        description="transactions, total (kroner as a decimal string), matched, partial, over, "
        "reversals, unmatched, duplicates, skipped, booked, booked_total, errors."
    )
    total: int = Field(description="Transactions in the file.")
    created_by: int = Field(alias="created_by_id")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportPage(Schema):
    count: int
    page: int
    pages: int
    results: list[ImportOut]


# Input --------------------------------------------------------------------------------------


class PaymentIn(InputSchema):
    invoice: int = Field(description="Id of an issued invoice (not a draft or credit note).")
    amount_ore: int = Field(
        ge=-MAX_AMOUNT_ORE,
        le=MAX_AMOUNT_ORE,
        description="Not 0. Negative takes money out (a refund, a double payment) and needs a "
        "note.",
    )
    date: dt.date = Field(description="The payment date; not in the future.")
    method: str = Field("bank", description="bank, cash or card.")
    note: str = Field("", max_length=500)


class AssignIn(InputSchema):
    invoice: int | None = Field(None, description="Id of the invoice the payment is for.")
    customer: int | None = Field(None, description="Id of the customer, to hold it as credit.")


class PaymentFilters(QuerySchema):
    customer: int | None = Field(None, description="Customer id.")
    invoice: int | None = Field(None, description="Invoice id.")
    unmatched: bool | None = Field(None, description="true: only payments nobody owns yet.")
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


class PageFilters(QuerySchema):
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=50)


# Payments -----------------------------------------------------------------------------------


@api.get(
    "/payments",
    response=PaymentPage,
    tags=TAGS,
    description="Payments, newest first. `unmatched=true` lists only those nobody owns yet "
    "(also at `/payments/unmatched`, with suggestions).",
)
def list_payments(request, filters: Query[PaymentFilters]):
    payments = Payment.objects.order_by("-date", "-id")
    if filters.customer is not None:
        payments = payments.filter(customer_id=filters.customer)
    if filters.invoice is not None:
        payments = payments.filter(invoice_id=filters.invoice)
    if filters.unmatched is not None:
        unmatched = {"match_rule": MatchRule.UNMATCHED}
        payments = (
            payments.filter(**unmatched) if filters.unmatched else payments.exclude(**unmatched)
        )
    return page_of(payments, page=filters.page, page_size=filters.page_size)


@api.post(
    "/payments",
    response={201: PaymentOut, 403: Detail, 422: Errors},
    tags=TAGS,
    description="Register a payment by hand on an issued invoice. Refusals name the field: "
    "`invoice` (unknown, a draft, a credit note), `amount_ore` (0, or taking out more than "
    "was paid), `date` (in the future), `method`, `note` (missing on a negative amount).",
)
def create_payment(request, payload: PaymentIn):
    _require_finance(request)
    invoice = by_id(Invoice, payload.invoice, "invoice")
    try:
        payment = services.payment_register(
            actor=request.user,
            invoice=invoice,
            amount_ore=payload.amount_ore,
            date=payload.date,
            method=payload.method,
            note=payload.note,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):  # the invoice cannot be paid
            raise ValidationError({"invoice": exc.messages}) from exc
        raise
    return Status(201, payment)


@api.get(
    "/payments/unmatched",
    response=UnmatchedPage,
    tags=TAGS,
    description="Payments whose owner is not known yet, newest first, each with up to five "
    "suggested invoices (best first).",
)
def list_unmatched(request, filters: Query[PageFilters]):
    def with_suggestions(payments):
        return [_unmatched_out(payment) for payment in payments]

    return page_of(
        selectors.unmatched_payments(),
        page=filters.page,
        page_size=filters.page_size,
        results=with_suggestions,
    )


def _unmatched_out(payment: Payment) -> Payment:
    payment.suggestions = [
        {
            "invoice": s.invoice.pk,
            "invoice_number": s.invoice.number,
            "customer": s.invoice.customer_id,
            "customer_name": s.invoice.customer.name,
            "open_ore": s.open_ore,
            "reasons": list(s.reasons),
        }
        for s in services.unmatched_suggestions(payment)
    ]
    return payment


@api.get("/payments/{int:payment_id}", response=PaymentOut, tags=TAGS)
def get_payment(request, payment_id: int):
    return get_object_or_404(Payment, pk=payment_id)


@api.post(
    "/payments/{int:payment_id}/assign",
    response={200: list[PaymentOut], 403: Detail, 404: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description='Give an unmatched payment its owner: `{"invoice": id}` or '
    '`{"customer": id}` (held as the customer\'s credit). On an invoice, what is more than '
    "open goes to the customer's credit: the answer lists every row written (the payment, "
    "then the two rows that move the excess). A payment already assigned answers 409.",
)
def assign_payment(request, payment_id: int, payload: AssignIn):
    _require_finance(request)
    payment = get_object_or_404(Payment, pk=payment_id)
    if payment.match_rule != MatchRule.UNMATCHED:
        raise AlreadyAssigned(f"Payment {payment.pk} has already been assigned.")
    if (payload.invoice is None) == (payload.customer is None):
        raise ValidationError({"invoice": ["Send either invoice or customer."]})
    invoice = by_id(Invoice, payload.invoice, "invoice")
    customer = by_id(Customer, payload.customer, "customer")
    try:
        written = services.unmatched_assign(
            actor=request.user, payment=payment, invoice=invoice, customer=customer
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"invoice" if invoice else "customer": exc.messages}) from exc
        raise
    return written


# Imports ------------------------------------------------------------------------------------


@api.get("/payment-imports", response=ImportPage, tags=TAGS, description="Newest first.")
def list_imports(request, filters: Query[PageFilters]):
    return page_of(selectors.payment_imports(), page=filters.page, page_size=filters.page_size)


class QueuedImportOut(Schema):
    job: int = Field(description="The job that books it: GET the `Location` for its state.")
    job_url: str
    payment_import: ImportOut


@api.post(
    "/payment-imports",
    response={201: ImportOut, 202: QueuedImportOut, 403: Detail, 422: Errors},
    tags=TAGS,
    description="Import a Nets OCR giro or camt.054 file sent as multipart/form-data field "
    "`file`. A small file is booked at once: 201 with the import and its summary. A file above "
    "`PAYMENT_IMPORT_QUEUE_ABOVE_BYTES` (200 KB) is stored and booked by a worker: 202 with the "
    "job id and a `Location` header, `GET /api/v1/jobs/{id}` for its progress and result. A "
    "refused file (unreadable, with the line; or imported before) answers 422 naming `file`: "
    "nothing is booked then.",
)
def create_import(request, response: HttpResponse, file: File[UploadedFile] = None):
    _require_finance(request)
    if file is None:
        raise ValidationError({"file": ["Send the bank file as the multipart field “file”."]})
    if file.size > MAX_FILE_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_FILE_BYTES} bytes."]})
    data = file.read()
    try:
        if import_jobs.goes_to_queue(len(data)):
            record, job = import_jobs.payment_import_enqueue(
                actor=request.user, data=data, file_name=file.name or "payments"
            )
            url = reverse("api:job", args=[job.pk])
            response["Location"] = url
            return Status(202, {"job": job.pk, "job_url": url, "payment_import": record})
        record = services.payments_import(
            actor=request.user, data=data, file_name=file.name or "payments"
        )
    except services.PaymentImportRefused as exc:
        raise ValidationError({"file": exc.messages}) from exc
    return Status(201, record)
