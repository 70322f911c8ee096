"""Helpers every endpoint module uses: one page shape for lists, one answer for unknown ids,
and the base of every request body."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from ninja import Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, field_validator, model_validator
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


class InputSchema(Schema):
    """The base of every request body: a JSON object with only the declared fields (an unknown
    field is refused, so a misspelt one never goes unnoticed) and no NUL in any text."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data):
        # Without this, `false` or "x" as a body would pass as an object with every default.
        # (ninja validates a body twice: as sent, then wrapped in its DjangoGetter.)
        if not isinstance(data, dict | DjangoGetter):
            raise PydanticCustomError("not_an_object", "Send a JSON object.")
        return data

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if has_nul(value):
            raise PydanticCustomError("nul_character", NUL_MESSAGE)
        return value
