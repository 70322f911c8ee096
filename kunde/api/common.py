"""Helpers every endpoint module uses: one page shape for lists, one answer for unknown ids."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator


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
