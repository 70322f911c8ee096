"""Customers, their contacts and notes, over the services and selectors of kunde.customers."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema, Status

from kunde.accounts.models import Role, User
from kunde.api.api import api
from kunde.api.common import InputSchema, QuerySchema, page_of
from kunde.customers import selectors, services
from kunde.customers.models import Contact, Customer, CustomerStatus, Note


def _require_editor(request) -> None:
    if not request.user.can_edit_customers:
        raise PermissionDenied("Your role may read customers but not change them.")


class CustomerOut(Schema):
    id: int
    number: int
    name: str
    kind: str
    organization_number: str
    organization_form: str
    vat_number: str
    country: str
    status: str
    tags: list[str]
    postal_street: str
    postal_postcode: str
    postal_city: str
    postal_country: str
    visiting_street: str
    visiting_postcode: str
    visiting_city: str
    delivery_street: str
    delivery_postcode: str
    delivery_city: str
    email: str
    invoice_email: str
    phone: str
    website: str
    bank_account: str
    language: str
    currency: str
    account_manager: int | None = Field(None, alias="account_manager_id")
    invoice_delivery: str
    external_invoice_email: str
    ehf_status: str
    ehf_checked_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    merged_into: int | None = Field(
        None, alias="merged_into_id", description="Set when merged: the survivor's id."
    )

    @staticmethod
    def resolve_tags(customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class CustomerIn(InputSchema):
    """Every field is optional in PATCH; POST needs at least `name`."""

    number: int | None = None
    name: str | None = None
    kind: str | None = None
    organization_number: str | None = None
    organization_form: str | None = None
    vat_number: str | None = None
    country: str | None = None
    status: str | None = None
    tags: list[str] | None = None
    postal_street: str | None = None
    postal_postcode: str | None = None
    postal_city: str | None = None
    postal_country: str | None = None
    visiting_street: str | None = None
    visiting_postcode: str | None = None
    visiting_city: str | None = None
    delivery_street: str | None = None
    delivery_postcode: str | None = None
    delivery_city: str | None = None
    email: str | None = None
    invoice_email: str | None = None
    phone: str | None = None
    website: str | None = None
    bank_account: str | None = None
    language: str | None = None
    currency: str | None = None
    account_manager: int | None = None
    invoice_delivery: str | None = None
    external_invoice_email: str | None = None
    version: int | None = Field(None, description="The version you read; a newer one answers 409.")
    confirm_duplicate: bool = Field(
        False, description="Create or save even though another customer has the org. number."
    )


class CustomerPage(Schema):
    count: int
    page: int
    pages: int
    results: list[CustomerOut]


class ListFilters(QuerySchema):
    q: str = Field("", description="Words to find in number, name, org. number, e-mail, contacts.")
    status: CustomerStatus | None = None
    tag: int | None = Field(None, description="Tag id.")
    manager: int | None = Field(None, description="User id of the account manager.")
    sort: Literal["name", "-name", "number", "-number", "newest"] = "name"
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def _master_data(payload: CustomerIn) -> tuple[dict, list | None]:
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    data.pop("confirm_duplicate", None)
    tag_names = data.pop("tags", None)
    for field, value in list(data.items()):
        if value is None and field not in ("number", "account_manager"):
            data[field] = ""  # null means "empty" for text fields
    if "account_manager" in data and data["account_manager"] is not None:
        manager = (
            User.objects.filter(pk=data["account_manager"], is_active=True)
            .exclude(role=Role.READ_ONLY)
            .first()
        )
        if manager is None:
            raise ValidationError(
                {"account_manager": "No active user with that id may manage customers."}
            )
        data["account_manager"] = manager
    if data.get("number") is None:
        data.pop("number", None)
    tags = None if tag_names is None else services.tags_by_name(tag_names)
    return data, tags


def _customer(customer_id: int) -> Customer:
    return get_object_or_404(
        Customer.objects.select_related("account_manager").prefetch_related("tags"), pk=customer_id
    )


@api.get("/customers", response=CustomerPage, tags=["customers"])
def list_customers(request, filters: Query[ListFilters]):
    params = selectors.CustomerListParams.from_query(filters.dict(exclude_none=True))
    customers = params.filtered().prefetch_related("tags").order_by(*params.order_by)
    return page_of(customers, page=filters.page, page_size=filters.page_size)


@api.post("/customers", response={201: CustomerOut}, tags=["customers"])
def create_customer(request, payload: CustomerIn):
    _require_editor(request)
    data, tags = _master_data(payload)
    customer = services.customer_create(
        actor=request.user,
        data=data,
        tags=tags or [],
        allow_duplicate_organization=payload.confirm_duplicate,
    )
    return _customer(customer.pk)


class MergedOut(Schema):
    detail: str
    merged_into: int


@api.get(
    "/customers/{customer_id}", response={200: CustomerOut, 301: MergedOut}, tags=["customers"]
)
def get_customer(request, response: HttpResponse, customer_id: int):
    """A merged customer answers 301 to its survivor (and says `merged_into` to clients that
    do not follow redirects)."""
    customer = _customer(customer_id)
    if customer.merged_into_id:
        response["Location"] = request.build_absolute_uri(
            request.path.replace(
                f"/customers/{customer_id}", f"/customers/{customer.merged_into_id}"
            )
        )
        body = {
            "detail": "This customer was merged into another.",
            "merged_into": customer.merged_into_id,
        }
        return Status(301, body)
    response["ETag"] = f'"{customer.version}"'
    return customer


@api.patch("/customers/{customer_id}", response=CustomerOut, tags=["customers"])
def update_customer(request, response: HttpResponse, customer_id: int, payload: CustomerIn):
    _require_editor(request)
    customer = _customer(customer_id)
    expected = payload.version
    if expected is None and request.headers.get("If-Match"):
        try:
            expected = int(request.headers["If-Match"].removeprefix("W/").strip('"'))
        except ValueError:
            raise ValidationError(
                {"version": "If-Match must be the ETag of the customer."}
            ) from None
    data, tags = _master_data(payload)
    customer = services.customer_update(
        actor=request.user,
        customer=customer,
        data=data,
        expected_version=expected,
        tags=tags,
        allow_duplicate_organization=payload.confirm_duplicate,
    )
    customer = _customer(customer.pk)
    response["ETag"] = f'"{customer.version}"'
    return customer


# Contacts -----------------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool


class ContactIn(InputSchema):
    name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    is_primary: bool = False


def _contact_data(payload: ContactIn) -> dict:
    return {k: ("" if v is None else v) for k, v in payload.dict(exclude_unset=True).items()}


@api.get("/customers/{customer_id}/contacts", response=list[ContactOut], tags=["contacts"])
def list_contacts(request, customer_id: int):
    return list(_customer(customer_id).contacts.all())


@api.post("/customers/{customer_id}/contacts", response={201: ContactOut}, tags=["contacts"])
def create_contact(request, customer_id: int, payload: ContactIn):
    _require_editor(request)
    data = _contact_data(payload)
    data.setdefault("is_primary", False)
    return services.contact_add(actor=request.user, customer=_customer(customer_id), data=data)


def _contact(customer_id: int, contact_id: int) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related("customer"), pk=contact_id, customer_id=customer_id
    )


@api.patch("/customers/{customer_id}/contacts/{contact_id}", response=ContactOut, tags=["contacts"])
def update_contact(request, customer_id: int, contact_id: int, payload: ContactIn):
    _require_editor(request)
    contact = _contact(customer_id, contact_id)
    return services.contact_update(actor=request.user, contact=contact, data=_contact_data(payload))


@api.delete(
    "/customers/{customer_id}/contacts/{contact_id}", response={204: None}, tags=["contacts"]
)
def delete_contact(request, customer_id: int, contact_id: int):
    _require_editor(request)
    services.contact_remove(actor=request.user, contact=_contact(customer_id, contact_id))


# Notes --------------------------------------------------------------------------------------


class NoteOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime
    edited_at: datetime | None

    @staticmethod
    def resolve_author(note) -> str:
        return str(note.author)


class NoteIn(InputSchema):
    text: str


@api.get("/customers/{customer_id}/notes", response=list[NoteOut], tags=["notes"])
def list_notes(request, customer_id: int, limit: int = 100):
    return selectors.customer_notes(_customer(customer_id), limit=min(max(limit, 1), 1000))


@api.post("/customers/{customer_id}/notes", response={201: NoteOut}, tags=["notes"])
def create_note(request, customer_id: int, payload: NoteIn):
    _require_editor(request)
    return services.note_add(actor=request.user, customer=_customer(customer_id), text=payload.text)


def _note(customer_id: int, note_id: int) -> Note:
    return get_object_or_404(
        Note.objects.select_related("customer", "author"), pk=note_id, customer_id=customer_id
    )


@api.patch("/customers/{customer_id}/notes/{note_id}", response=NoteOut, tags=["notes"])
def update_note(request, customer_id: int, note_id: int, payload: NoteIn):
    _require_editor(request)
    return services.note_update(
        actor=request.user, note=_note(customer_id, note_id), text=payload.text
    )


@api.delete("/customers/{customer_id}/notes/{note_id}", response={204: None}, tags=["notes"])
def delete_note(request, customer_id: int, note_id: int):
    _require_editor(request)
    services.note_delete(actor=request.user, note=_note(customer_id, note_id))
