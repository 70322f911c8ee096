"""Invoices and credit notes, over the services of kunde.invoices.

Money is whole øre in integer fields named `*_ore` (negative on credit notes); quantities and
discounts are decimal strings ("1.500", "10.00"). Reading is open to every role; creating,
issuing and crediting need a role that manages finance.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Schema, Status

from kunde.api.api import api
from kunde.api.common import InputSchema, QuerySchema, by_id, page_of
from kunde.customers.models import Customer
from kunde.invoices import services
from kunde.invoices.models import ExportStatus, Invoice, InvoiceKind, InvoiceStatus
from kunde.invoices.pdf import pdf_is_stored
from kunde.projects.models import Project

TAGS = ["invoices"]


def _require_finance(request) -> None:
    if not request.user.can_manage_finance:
        raise PermissionDenied("Your role may read invoices but not create, issue or credit them.")


class StateConflict(Exception):
    """The document is in the wrong state for the request (a draft has no PDF, …)."""


@api.exception_handler(services.InvoiceStateError)
@api.exception_handler(StateConflict)
def _conflict(request, exc):
    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    return api.create_response(request, {"detail": " ".join(messages)}, status=409)


# Output -------------------------------------------------------------------------------------


class Detail(Schema):
    detail: str


class Errors(Schema):
    errors: dict[str, list[str]] = Field(
        description='Messages per field, e.g. {"lines.0.vat_rate": ["…"]}.'
    )


class LineOut(Schema):
    id: int
    position: int
    description: str
    quantity: Decimal = Field(description='Up to 3 decimals, as a string: "1.500".')
    unit: str
    unit_price_ore: int
    discount_percent: Decimal
    vat_rate: int
    vat_category: str = Field(description="EN 16931 VAT category: S, Z, E, AE or O.")
    net_ore: int = Field(description="Quantity × unit price less the discount, in øre.")
    credited_line: int | None = Field(
        None, alias="credited_line_id", description="On a credit note: the invoice line credited."
    )


class InvoiceOut(Schema):
    id: int
    kind: InvoiceKind
    status: InvoiceStatus
    number: int | None = Field(description="Given at issue; one series for both kinds.")
    customer: int = Field(alias="customer_id")
    project: int | None = Field(None, alias="project_id")
    credited_invoice: int | None = Field(
        None, alias="credited_invoice_id", description="On a credit note: the invoice it credits."
    )
    credit_notes: list[int] = Field(description="Ids of the credit notes (drafts too) of it.")
    issue_date: date | None
    due_date: date | None
    delivery_date: date | None
    currency: str
    kid: str | None
    net_ore: int
    vat_ore: int
    total_ore: int
    export_status: ExportStatus
    pdf_url: str | None = Field(description="The stored PDF; null on a draft.")
    pdf_status: str | None = Field(
        description='"stored", or "being_prepared" for the moments after issue before the PDF '
        "is rendered and stored (its URL answers 409 until then); null on a draft."
    )
    created_at: datetime
    issued_at: datetime | None

    @staticmethod
    def resolve_credit_notes(invoice) -> list[int]:
        return [note.pk for note in invoice.credit_notes.all()]

    @staticmethod
    def resolve_pdf_status(invoice) -> str | None:
        if not invoice.is_issued:
            return None
        return "stored" if pdf_is_stored(invoice) else "being_prepared"

    @staticmethod
    def resolve_pdf_url(invoice) -> str | None:
        if not invoice.is_issued:
            return None
        return reverse("api:invoice_pdf", kwargs={"invoice_id": invoice.pk})


class InvoiceDetail(InvoiceOut):
    credit_days: int
    language: str
    your_reference: str
    order_reference: str
    contract_reference: str
    customer_contact: str
    invoice_text: str
    footer_text: str
    reopen_hours: bool = Field(description="On a credit note: credited hours become invoiceable.")
    seller: dict = Field(description="The seller's data as at issue; empty on a draft.")
    buyer: dict = Field(description="The buyer's data as at issue; empty on a draft.")
    pdf_sha256: str = Field(
        description="SHA-256 of the stored PDF; empty on a draft and while it is being prepared."
    )
    credit_remaining_ore: int | None = Field(
        description="On an issued invoice: what issued credit notes have not yet credited."
    )
    lines: list[LineOut]
    ehf_status: str | None = Field(
        None,
        description="EHF delivery: queued, sent, delivered, rejected, failed or emailed; "
        "null when never sent as EHF.",
    )
    ehf_status_reason: str = ""

    @staticmethod
    def resolve_ehf_status(invoice) -> str | None:
        delivery = getattr(invoice, "ehf_delivery", None)
        return delivery.status if delivery else None

    @staticmethod
    def resolve_ehf_status_reason(invoice) -> str:
        delivery = getattr(invoice, "ehf_delivery", None)
        return delivery.reason if delivery else ""

    @staticmethod
    def resolve_credit_remaining_ore(invoice) -> int | None:
        if invoice.kind != InvoiceKind.INVOICE or not invoice.is_issued:
            return None
        return services.credit_remaining_ore(invoice)

    @staticmethod
    def resolve_lines(invoice) -> list:
        return list(invoice.lines.all())


class InvoicePage(Schema):
    count: int
    page: int
    pages: int
    results: list[InvoiceOut]


# Input --------------------------------------------------------------------------------------


class LineIn(InputSchema):
    """Left out (or null), the discount and VAT come from the invoicing options. The bounds keep
    quantity × unit price within the database's integer range."""

    description: str
    quantity: Decimal = Field(Decimal(1), max_digits=10, decimal_places=3)
    unit: str = ""
    unit_price_ore: int = Field(ge=-(10**11), le=10**11)
    discount_percent: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    vat_rate: int | None = Field(None, description="25, 15 or 12 with S; 0 with Z, E, AE, O.")
    vat_category: str | None = None


class InvoiceIn(InputSchema):
    customer: int = Field(description="Customer id.")
    project: int | None = Field(None, description="Project id; must belong to the customer.")
    lines: list[LineIn] = []
    from_project_hours: bool = Field(
        False,
        description="Add the project's approved, billable hours and expenses not yet "
        "invoiced (one line per employee and rate; expenses one line each).",
    )
    until: date | None = Field(None, description="With from_project_hours: up to this date.")


class IssueIn(InputSchema):
    issue_date: date | None = Field(None, description="Today when left out.")
    send: bool = Field(
        False,
        description="Issue and send: once issued, deliver it the customer's way (e-mail or "
        "the print queue), as the page's “Issue and send” does.",
    )


class DeliveryOut(Schema):
    channel: str = Field(description="email, letter or ehf.")
    result: str = Field(description="sent, failed, queued (print queue), …")
    recipient: str
    error: str


class IssuedOut(InvoiceDetail):
    delivery: DeliveryOut | None = Field(
        None, description="With `send`: the delivery attempt made after issue."
    )
    not_sent: str = Field(
        "", description="With `send`: why it was not sent (no address, …); it stays issued."
    )


class CreditLineIn(InputSchema):
    line: int = Field(description="Id of a line on the credited invoice.")
    quantity: Decimal = Field(
        max_digits=12, decimal_places=3, description="How much of it to credit (positive)."
    )


class CreditIn(InputSchema):
    lines: list[CreditLineIn] | None = Field(
        None,
        description="Chosen lines and quantities; null or left out credits everything "
        "not credited yet (unless only free_lines are given).",
    )
    free_lines: list[LineIn] = Field(
        [], description="Amount lines of their own, e.g. a compensation; entered positive."
    )
    reopen_hours: bool = Field(
        False, description="When issued, hours of lines credited in full become invoiceable."
    )


class InvoiceFilters(QuerySchema):
    customer: int | None = Field(None, description="Customer id.")
    type: InvoiceKind | None = Field(None, description="The kind: invoice or credit_note.")
    status: InvoiceStatus | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _line_data(line: LineIn) -> dict:
    """Only what the client set: a missing value means "from the options" to the service."""
    return {k: v for k, v in line.dict().items() if v is not None}


# Fetching -----------------------------------------------------------------------------------


def _documents():
    return Invoice.objects.prefetch_related(
        Prefetch("credit_notes", queryset=Invoice.objects.only("pk", "credited_invoice_id"))
    )


def _invoice(invoice_id: int) -> Invoice:
    return get_object_or_404(
        _documents().prefetch_related("lines").select_related("ehf_delivery"), pk=invoice_id
    )


# Endpoints ----------------------------------------------------------------------------------


@api.get(
    "/invoices",
    response=InvoicePage,
    tags=TAGS,
    description="Drafts first (newest first), then issued documents by issue date and id, "
    "newest first. `type` is the document kind.",
)
def list_invoices(request, filters: Query[InvoiceFilters]):
    documents = _documents().order_by(F("issue_date").desc(nulls_first=True), F("id").desc())
    if filters.customer is not None:
        documents = documents.filter(customer_id=filters.customer)
    if filters.type is not None:
        documents = documents.filter(kind=filters.type)
    if filters.status is not None:
        documents = documents.filter(status=filters.status)
    return page_of(documents, page=filters.page, page_size=filters.page_size)


@api.post(
    "/invoices",
    response={201: InvoiceDetail, 403: Detail, 422: Errors},
    tags=TAGS,
    description="Create a draft invoice from lines and/or a project's hours. Invoicing options "
    "(credit days, references, discount, VAT, invoice fee) come from the project, the customer "
    "and the company, in that order.",
)
def create_invoice(request, payload: InvoiceIn):
    _require_finance(request)
    customer = by_id(Customer, payload.customer, "customer")
    project = by_id(Project, payload.project, "project")
    invoice = services.invoice_draft_create(
        actor=request.user,
        customer=customer,
        project=project,
        lines=[_line_data(line) for line in payload.lines],
        from_project_hours=payload.from_project_hours,
        until=payload.until,
    )
    return Status(201, _invoice(invoice.pk))


@api.get("/invoices/{invoice_id}", response=InvoiceDetail, tags=TAGS)
def get_invoice(request, invoice_id: int):
    return _invoice(invoice_id)


@api.post(
    "/invoices/{invoice_id}/issue",
    response={200: IssuedOut, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description="Give a draft invoice or credit note its number, dates and KID and make it "
    "permanent; its PDF is rendered and stored right after (`pdf_status`). With `send`, it is "
    "then delivered the customer's way; a refused or failed delivery leaves it issued "
    "(`not_sent`, `delivery.error`). Refusals name the field (`lines`, `kid`) with 422; a "
    "document that is already issued answers 409.",
)
def issue_invoice(request, invoice_id: int, payload: IssueIn | None = None):
    _require_finance(request)
    payload = payload or IssueIn()
    invoice = _invoice(invoice_id)
    if invoice.is_issued:
        raise StateConflict(f"{invoice} is already issued.")
    if not payload.send:
        invoice = services.invoice_issue(
            actor=request.user, invoice=invoice, issue_date=payload.issue_date
        )
        return _invoice(invoice.pk)
    result = services.invoice_issue_and_send(
        actor=request.user, invoice=invoice, issue_date=payload.issue_date
    )
    issued = _invoice(result.invoice.pk)
    issued.delivery = result.attempt
    issued.not_sent = result.not_sent
    return issued


@api.post(
    "/invoices/{invoice_id}/credit",
    response={201: InvoiceDetail, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description="Create a DRAFT credit note for an issued invoice: all of what is left to "
    "credit (empty body), chosen lines and quantities, and/or free amount lines. It changes "
    "nothing until it is issued with `POST /api/v1/invoices/{id}/issue`. Crediting more than "
    "is left answers 422 naming `lines` or `lines.<i>.quantity`; a draft or a credit note "
    "cannot be credited (409).",
)
def credit_invoice(request, invoice_id: int, payload: CreditIn | None = None):
    _require_finance(request)
    payload = payload or CreditIn()
    invoice = _invoice(invoice_id)
    lines = None
    if payload.lines is not None:
        lines = [{"line": line.line, "quantity": line.quantity} for line in payload.lines]
    elif payload.free_lines:
        lines = []  # only the amounts given, not the whole invoice as well
    credit_note = services.credit_note_create(
        actor=request.user,
        invoice=invoice,
        lines=lines,
        free_lines=[_line_data(line) for line in payload.free_lines],
        reopen_hours=payload.reopen_hours,
    )
    return Status(201, _invoice(credit_note.pk))


@api.get(
    "/invoices/{invoice_id}/pdf",
    response={200: None, 409: Detail},
    url_name="invoice_pdf",
    tags=TAGS,
    description="The PDF stored at issue, byte for byte; its ETag is `pdf_sha256`. A draft "
    "has no PDF (409); right after issue the PDF may still be being prepared (409 with "
    "`Retry-After`; `pdf_status` says when it is stored). It never changes once stored.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def invoice_pdf(request, invoice_id: int):
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    if not invoice.is_issued:
        raise StateConflict(f"{invoice} is not issued and has no PDF yet.")
    if not pdf_is_stored(invoice):
        response = api.create_response(
            request,
            {"detail": f"The PDF of {invoice} is being prepared; try again in a moment."},
            status=409,
        )
        response["Retry-After"] = "2"
        return response
    with invoice.pdf.open("rb") as stored:
        content = stored.read()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.kind}-{invoice.number}.pdf"'
    response["ETag"] = f'"{invoice.pdf_sha256}"'
    return response
