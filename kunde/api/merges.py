"""Duplicate suggestions, merges and their undo, over `kunde.merges`. Administrators and
finance; the undo administrators only."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from ninja import Field, Schema

from kunde.api.api import api
from kunde.api.common import InputSchema
from kunde.customers.models import Customer
from kunde.merges import selectors
from kunde.merges.models import CustomerMerge
from kunde.merges.services import MergeRefused, clean_choices, customer_merge, merge_undo

TAGS = ["merges"]


class Detail(Schema):
    detail: str


class Errors(Schema):
    errors: dict[str, list[str]]


class SuggestionOut(Schema):
    first: int
    second: int
    reasons: list[str] = Field(description="Codes: organization_number, name, similar_name, …")
    why: str


class MergeOut(Schema):
    id: int | None = Field(description="The merge record; null for a dry run.")
    survivor: int
    merged: int
    at: datetime | None
    actor: int | None
    moved: dict[str, int] = Field(description='Rows per reference, e.g. {"invoices.Invoice…": 3}')
    changes: dict[str, dict]
    undone_at: datetime | None
    undo_blockers: list[str] = []


class MergeResult(Schema):
    dry_run: bool
    merges: list[MergeOut]


class MergeIn(InputSchema):
    merge: list[int] = Field(min_length=1, max_length=3, description="Ids merged into the survivor")
    fields: dict[str, Literal["survivor", "merged"]] = {}
    dry_run: bool = False


def _require_finance(request) -> None:
    if not request.user.can_manage_finance:
        raise PermissionDenied("Merging customers is for administrators and finance.")


def _out(record: CustomerMerge, blockers=()) -> dict:
    return {
        "id": record.pk,
        "survivor": record.survivor_id,
        "merged": record.merged_id,
        "at": record.at,
        "actor": record.actor_id,
        "moved": record.moved_counts,
        "changes": record.changes,
        "undone_at": record.undone_at,
        "undo_blockers": list(blockers),
    }


def _refused(request, refused: MergeRefused):
    return api.create_response(request, {"detail": " ".join(refused.messages)}, status=409)


@api.get("/customers/duplicates", response={200: list[SuggestionOut]}, tags=TAGS)
def list_duplicates(request):
    """Pairs of customers that look like one, each with the reasons (dismissed pairs left out)."""
    _require_finance(request)
    return [
        {"first": s.first.pk, "second": s.second.pk, "reasons": s.reasons, "why": s.reason_text}
        for s in selectors.duplicate_suggestions()
    ]


@api.post(
    "/customers/{survivor_id}/merge",
    response={200: MergeResult, 403: Detail, 409: Detail, 422: Errors},
    tags=TAGS,
)
def merge_customers(request, survivor_id: int, payload: MergeIn):
    """Merge the customers in `merge` into the survivor, in one transaction. With `dry_run`
    nothing changes and the answer counts what would move. A refused merge answers 409 with
    the reason and changes nothing."""
    _require_finance(request)
    survivor = get_object_or_404(Customer, pk=survivor_id)
    ids = list(dict.fromkeys(payload.merge))
    merged = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
    if len(merged) != len(ids):
        return api.create_response(
            request, {"errors": {"merge": ["No customer has one of these ids."]}}, status=422
        )
    try:
        if payload.dry_run:
            results = []
            for other in merged:
                clean_choices(survivor, other, payload.fields)
                preview = selectors.merge_preview(
                    actor=request.user, survivor=survivor, merged=other, choices=payload.fields
                )
                if preview.refusals:
                    raise MergeRefused(preview.refusals)
                results.append(
                    {
                        "id": None,
                        "survivor": survivor.pk,
                        "merged": other.pk,
                        "at": None,
                        "actor": None,
                        "moved": {key: n for key, _label, n in preview.counts},
                        "changes": {},
                        "undone_at": None,
                    }
                )
            return {"dry_run": True, "merges": results}
        with transaction.atomic():
            records = [
                customer_merge(
                    actor=request.user,
                    survivor=survivor,
                    merged=other,
                    field_choices=payload.fields,
                )
                for other in merged
            ]
    except MergeRefused as refused:
        return _refused(request, refused)
    return {"dry_run": False, "merges": [_out(r) for r in records]}


@api.get("/merges/{merge_id}", response={200: MergeOut}, tags=TAGS)
def get_merge(request, merge_id: int):
    _require_finance(request)
    record = get_object_or_404(
        CustomerMerge.objects.select_related("survivor", "merged"), pk=merge_id
    )
    from kunde.merges.services import undo_blockers

    return _out(record, [] if record.undone_at else undo_blockers(record))


@api.post("/merges/{merge_id}/undo", response={200: MergeOut, 403: Detail, 409: Detail}, tags=TAGS)
def undo_merge(request, merge_id: int):
    """Move every row back and restore both customers; administrators. Refused (409, with the
    reason) when something since the merge would make undoing wrong."""
    if not request.user.can_manage_users:
        raise PermissionDenied("Undoing a merge is for administrators.")
    record = get_object_or_404(CustomerMerge, pk=merge_id)
    try:
        record = merge_undo(actor=request.user, record=record)
    except MergeRefused as refused:
        return _refused(request, refused)
    return _out(record)
