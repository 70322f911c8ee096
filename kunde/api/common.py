"""Helpers every endpoint module uses: one page shape for lists, one answer for unknown ids,
and the base of every request body."""

import re
from datetime import date, datetime
from typing import Annotated, get_args

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, ConfigDict, field_validator, model_validator
from pydantic_core import PydanticCustomError


def page_of(queryset, *, page: int, page_size: int, results=None) -> dict:
    """{count, page, pages, results} for one page; `results` may turn the items into rows."""
    found = Paginator(queryset, page_size).get_page(page)
    items = list(found.object_list)
    return {
        "count": found.paginator.count,
        "page": found.number,
        "pages": found.paginator.num_pages,
        "results": results(items) if results else items,
    }


def by_id(model, pk: int | None, field: str):
    """The object with that id, or a 422 naming the field; None when no id was given."""
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: f"No {field} has id {pk}."})
    return found


# Strict input -------------------------------------------------------------------------------

# PostgreSQL cannot store NUL in text; refused here, it is a 422 instead of a server error.
NUL_MESSAGE = "Text may not contain the NUL character (U+0000)."


def has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


MAX_INT = 2**63 - 1  # the database's bigint


def _is_date(annotation) -> bool:
    return annotation in (date, datetime) or any(
        arg in (date, datetime) for arg in get_args(annotation)
    )


class CheckedSchema(Schema):
    """Values the database can hold and no surprising coercions: no NUL in text, no integer
    beyond bigint (the database would overflow: a server error), and a date as ISO text — never
    a number, which pydantic would read as seconds since 1970."""

    @field_validator("*", mode="before")
    @classmethod
    def _plain_values(cls, value, info):
        # Text and lists of text here; a nested object checks its own fields, so the message
        # names the exact place ("lines.0.description").
        texts = value if isinstance(value, list | tuple) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise PydanticCustomError("nul_character", NUL_MESSAGE)
        field = cls.model_fields.get(info.field_name)
        if field and isinstance(value, int | float) and _is_date(field.annotation):
            raise PydanticCustomError("date_type", "Send a date as text: YYYY-MM-DD.")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _int_in_range(cls, value):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            raise PydanticCustomError("int_range", "This number is too large.")
        return value


class QuerySchema(CheckedSchema):
    """The base of query filters: checked values; unknown query parameters are ignored."""


class InputSchema(CheckedSchema):
    """The base of every request body: a JSON object with only the declared fields (an unknown
    field is refused, so a misspelt one never goes unnoticed), with checked values."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # Without this, `false` or "x" as a body would pass as an object with every default.
        # (ninja validates a body twice: as sent, then wrapped in its DjangoGetter.)
        if not isinstance(data, dict | DjangoGetter):
            raise PydanticCustomError("not_an_object", "Send a JSON object.")
        return data


def _iso_date(value):
    # Pydantic would read "0" or "1700000000" (in a query string, too) as seconds since 1970.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise PydanticCustomError("date_format", "Send a date as YYYY-MM-DD.")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
