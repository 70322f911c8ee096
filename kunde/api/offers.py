"""Offers, over the services of kunde.offers.

Money is whole øre (`*_ore`); quantities (estimated hours on an hourly line) and discounts are
decimal strings. Reading is open to every role; writing needs a role that edits customers. A
request that does not fit the offer's state (accepting an expired offer, editing an accepted
one) answers 409."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Schema, Status

from kunde.api.api import api
from kunde.api.common import InputSchema, QuerySchema, by_id, page_of
from kunde.customers.models import Contact, Customer
from kunde.offers import services
from kunde.offers.models import LineKind, Offer, OfferStatus
from kunde.offers.pdf import stored_pdf
from kunde.projects.models import Project

TAGS = ["offers"]


def _require_editor(request) -> None:
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may read offers but not change them.")


class OfferConflict(Exception):
    pass


@api.exception_handler(services.OfferStateError)
@api.exception_handler(OfferConflict)
def _conflict(request, exc):
    messages = getattr(exc, "messages", None) or [str(exc)]
    return api.create_response(request, {"detail": " ".join(messages)}, status=409)


class Detail(Schema):
    detail: str


class Errors(Schema):
    errors: dict[str, list[str]]


class OfferLineOut(Schema):
    id: int
    position: int
    section: str
    kind: LineKind
    description: str
    quantity: Decimal = Field(description="Estimated hours on an hourly line.")
    unit: str
    unit_price_ore: int
    discount_percent: Decimal
    vat_rate: int
    vat_category: str
    net_ore: int
    optional: bool
    chosen: bool = Field(description="On an accepted offer: an optional line the customer chose.")


class OfferOut(Schema):
    id: int
    status: OfferStatus
    number: int | None = Field(description="From the offers' own series, given when sent.")
    revision: str = Field(description='"" for the first version, then A, B, …')
    customer: int = Field(alias="customer_id")
    name: str
    tag: str
    issue_date: date
    valid_until: date
    net_ore: int = Field(description="Lines that are not optional (on acceptance: as accepted).")
    vat_ore: int
    total_ore: int
    optional_net_ore: int
    project: int | None = Field(None, alias="project_id", description="Set on acceptance.")
    pdf_url: str | None = Field(description="The PDF of the last sent revision; null if unsent.")

    @staticmethod
    def resolve_pdf_url(offer) -> str | None:
        if offer.number is None:
            return None
        return reverse("api:offer_pdf", kwargs={"offer_id": offer.pk})


class OfferDetail(OfferOut):
    contact: int | None = Field(None, alias="contact_id")
    made_by: int = Field(alias="made_by_id")
    start_date: date | None
    customer_reference: str
    contract_reference: str
    intro_text: str
    closing_text: str
    discount_percent: Decimal
    sent_at: datetime | None
    sent_by_hand: bool
    answered_at: datetime | None
    answered_name: str
    answered_title: str
    reject_comment: str
    lines: list[OfferLineOut]

    @staticmethod
    def resolve_lines(offer) -> list:
        return list(offer.lines.all())


class OfferPage(Schema):
    count: int
    page: int
    pages: int
    results: list[OfferOut]


class OfferLineIn(InputSchema):
    """The fields of an invoice line, plus `kind` and `optional`. Without `unit_price_ore`, an
    hourly line takes the customer's agreed hourly rate."""

    kind: LineKind = LineKind.HOURLY
    section: str = ""
    description: str
    quantity: Decimal = Field(Decimal(1), max_digits=10, decimal_places=3)
    unit: str = ""
    unit_price_ore: int | None = Field(None, ge=0, le=10**11)
    discount_percent: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    vat_rate: int | None = None
    vat_category: str | None = None
    optional: bool = False


class OfferHeaderIn(InputSchema):
    name: str | None = Field(None, max_length=200)
    tag: str | None = Field(None, max_length=50)
    contact: int | None = None
    issue_date: date | None = None
    valid_until: date | None = None
    start_date: date | None = None
    customer_reference: str | None = Field(None, max_length=100)
    contract_reference: str | None = Field(None, max_length=100)
    intro_text: str | None = None
    closing_text: str | None = None
    discount_percent: Decimal | None = Field(None, max_digits=5, decimal_places=2, ge=0, le=100)
    lines: list[OfferLineIn] | None = None


class OfferIn(OfferHeaderIn):
    customer: int
    name: str = Field(max_length=200)
    lines: list[OfferLineIn]


class SendIn(InputSchema):
    by_hand: bool = Field(False, description="Record it as sent by hand instead of e-mailing.")


class AcceptIn(InputSchema):
    name: str = Field(max_length=200, description="Who accepted for the customer.")
    title: str = Field("", max_length=200)
    chosen: list[int] = Field([], description="Ids of the optional lines the customer chose.")
    project: int | None = Field(None, description="Link this project instead of a new one.")


class RejectIn(InputSchema):
    name: str = Field("", max_length=200)
    comment: str = Field("", max_length=5000)


class OfferFilters(QuerySchema):
    customer: int | None = None
    status: OfferStatus | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _offer(offer_id: int) -> Offer:
    return get_object_or_404(Offer.objects.prefetch_related("lines"), pk=offer_id)


def _lines(lines) -> list[dict]:
    return [{k: v for k, v in line.dict().items() if v is not None} for line in lines]


def _header(payload: OfferHeaderIn, customer) -> dict:
    data = payload.dict(exclude_unset=True)
    data.pop("lines", None)
    data.pop("customer", None)
    if "contact" in data:
        contact = by_id(Contact, data["contact"], "contact")
        data["contact"] = contact
    if data.get("contact") is not None and data["contact"].customer_id != customer.pk:
        from django.core.exceptions import ValidationError

        raise ValidationError({"contact": "The contact person belongs to another customer."})
    for name in ("tag", "customer_reference", "contract_reference", "intro_text", "closing_text"):
        if name in data and data[name] is None:
            data[name] = ""
    return {k: v for k, v in data.items() if v is not None or k in ("start_date", "contact")}


@api.get("/offers", response=OfferPage, tags=TAGS, description="Newest first.")
def list_offers(request, filters: Query[OfferFilters]):
    offers = Offer.objects.order_by("-issue_date", "-id")
    if filters.customer is not None:
        offers = offers.filter(customer_id=filters.customer)
    if filters.status is not None:
        offers = offers.filter(status=filters.status)
    return page_of(offers, page=filters.page, page_size=filters.page_size)


@api.post(
    "/offers",
    response={201: OfferDetail, 403: Detail, 422: Errors},
    tags=TAGS,
    description="Create a draft offer from `customer`, `name` and `lines`; the contact person, "
    "dates and the co-worker who made it are filled in when left out.",
)
def create_offer(request, payload: OfferIn):
    _require_editor(request)
    customer = by_id(Customer, payload.customer, "customer")
    offer = services.offer_create(
        actor=request.user,
        customer=customer,
        data=_header(payload, customer),
        lines=_lines(payload.lines),
    )
    return Status(201, _offer(offer.pk))


@api.get("/offers/{offer_id}", response=OfferDetail, tags=TAGS)
def get_offer(request, offer_id: int):
    return services.offer_expire_if_due(_offer(offer_id))


@api.patch(
    "/offers/{offer_id}",
    response={200: OfferDetail, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description="Change a draft. A sent, expired or rejected offer gets a new revision "
    "(A, B, …); the sent one keeps its PDF. Accepted and withdrawn offers answer 409.",
)
def update_offer(request, offer_id: int, payload: OfferHeaderIn):
    _require_editor(request)
    offer = _offer(offer_id)
    lines = _lines(payload.lines) if payload.lines is not None else None
    services.offer_update(
        actor=request.user, offer=offer, data=_header(payload, offer.customer), lines=lines
    )
    return _offer(offer.pk)


@api.post(
    "/offers/{offer_id}/send",
    response={200: OfferDetail, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description="Number the offer, store this revision's PDF and e-mail it (with the link to "
    "the acceptance page) to the contact person through the job queue, or record it as sent by "
    "hand.",
)
def send_offer(request, offer_id: int, payload: SendIn | None = None):
    _require_editor(request)
    payload = payload or SendIn()
    services.offer_send(
        actor=request.user,
        offer=_offer(offer_id),
        by_hand=payload.by_hand,
        base_url=request.build_absolute_uri("/"),
    )
    return _offer(offer_id)


@api.post(
    "/offers/{offer_id}/accept",
    response={200: OfferDetail, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
    description="Register the customer's acceptance: a project is made (or `project` linked) "
    "with the fixed-price activities as milestones. An offer not sent, expired, withdrawn or "
    "answered answers 409.",
)
def accept_offer(request, offer_id: int, payload: AcceptIn):
    _require_editor(request)
    offer = _offer(offer_id)
    project = by_id(Project, payload.project, "project")
    services.offer_accept(
        offer=offer,
        name=payload.name,
        title=payload.title,
        confirmed=True,
        chosen_line_ids=payload.chosen,
        actor=request.user,
        project=project,
    )
    return _offer(offer_id)


@api.post(
    "/offers/{offer_id}/reject",
    response={200: OfferDetail, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
)
def reject_offer(request, offer_id: int, payload: RejectIn | None = None):
    _require_editor(request)
    payload = payload or RejectIn()
    services.offer_reject(
        offer=_offer(offer_id), comment=payload.comment, name=payload.name, actor=request.user
    )
    return _offer(offer_id)


@api.get(
    "/offers/{offer_id}/pdf",
    response={200: None, 409: Detail},
    url_name="offer_pdf",
    tags=TAGS,
    description="The PDF of the last sent revision, byte for byte as sent; ETag is its SHA-256. "
    "An offer never sent answers 409.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def offer_pdf(request, offer_id: int):
    offer = get_object_or_404(Offer, pk=offer_id)
    revision = offer.revisions.order_by("-sent_at", "-id").first()
    if revision is None:
        raise OfferConflict(f"{offer} has not been sent and has no PDF.")
    content = stored_pdf(revision)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="offer-{offer.label}.pdf"'
    response["ETag"] = f'"{revision.pdf_sha256}"'
    return response
