"""model_rows and row_with_related give the instances the querysets they stand for give;
row_insert stores the row save() stores."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import signals
from django.test.utils import CaptureQueriesContext

from kunde.activity.models import ActivityEntry
from kunde.company.models import Company
from kunde.invoices import services
from kunde.invoices.models import Invoice, InvoiceLine
from kunde.lib.model_rows import model_rows, row_insert, row_with_related


def _values(instance) -> dict:
    """Every loaded value with its type (a converter missed shows as a str or int)."""
    return {
        name: (value, type(value))
        for name, value in vars(instance).items()
        if not name.startswith("_")
    }


@pytest.fixture
def issued_on_project(draft, project, finance):
    Invoice.objects.filter(pk=draft.pk).update(project=project)
    return services.invoice_issue(actor=finance, invoice=Invoice.objects.get(pk=draft.pk))


def test_the_row_and_its_related_rows_are_the_ones_select_related_reads(
    issued_on_project, django_assert_num_queries
):
    expected = Invoice.objects.select_related("customer", "project").get(pk=issued_on_project.pk)

    invoice = row_with_related(Invoice, issued_on_project.pk, related=("customer", "project"))

    assert _values(invoice) == _values(expected)  # dates, JSON, decimals converted alike
    assert (invoice._state.db, invoice._state.adding) == ("default", False)
    with django_assert_num_queries(0):
        assert _values(invoice.customer) == _values(expected.customer)
        assert _values(invoice.project) == _values(expected.project)


def test_an_empty_foreign_key_is_known_to_be_empty(draft, django_assert_num_queries):
    invoice = row_with_related(Invoice, draft.pk, related=("customer", "project"))

    with django_assert_num_queries(0):
        assert invoice.project is None
        assert invoice.customer.pk == draft.customer_id


def test_a_missing_row_is_does_not_exist(db):
    with pytest.raises(Invoice.DoesNotExist):
        row_with_related(Invoice, 987654, related=("customer",))


def test_for_update_locks_the_row_read_as_select_for_update_of_self_does(draft):
    orm = Invoice.objects.select_for_update(of=("self",)).select_related("customer", "project")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        list(orm.filter(pk=draft.pk))
        row_with_related(Invoice, draft.pk, related=("customer", "project"), for_update=True)
    orm_sql, sql = (query["sql"] for query in queries.captured_queries)
    lock = f"FOR UPDATE OF {connection.ops.quote_name(Invoice._meta.db_table)}"
    assert orm_sql.endswith(lock) == sql.endswith(lock)
    assert ("FOR UPDATE" in orm_sql) == ("FOR UPDATE" in sql)


def test_rows_are_the_filter_in_the_models_ordering(draft):
    # Positions against the ids' order, so the ordering shows.
    first, second = draft.lines.all()
    InvoiceLine.objects.filter(pk=first.pk).update(position=5)

    lines = model_rows(InvoiceLine, invoice=draft.pk)

    assert [line.pk for line in lines] == [second.pk, first.pk]
    assert [_values(line) for line in lines] == [
        _values(line) for line in InvoiceLine.objects.filter(invoice=draft)
    ]
    assert model_rows(InvoiceLine, invoice=draft.pk + 1000) == []


def test_rows_need_a_condition(db):
    with pytest.raises(ValueError):
        model_rows(InvoiceLine)


def test_the_company_row_is_made_on_first_use_and_then_read(db):
    Company.objects.all().delete()

    made = Company.load()

    assert made.pk == 1
    assert _values(Company.load()) == _values(Company.objects.get(pk=1))


def _entry(customer, finance, **kw):
    from kunde.activity.services import activity_entry

    return activity_entry(
        customer=customer,
        actor=finance,
        action="invoice.issued",
        params={"doc": {"kind": "invoice", "number": 7}, "issue_date": date(2026, 11, 24)},
        **kw,
    )


def test_an_inserted_row_is_the_row_save_would_store(customer, finance):
    saved, inserted = _entry(customer, finance), _entry(customer, finance, on=date(2026, 1, 2))
    saved.occurred_on = date(2026, 1, 2)
    saved.save()

    row_insert(inserted)

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert (inserted._state.db, inserted._state.adding) == ("default", False)
    stored_saved = ActivityEntry.objects.get(pk=saved.pk)
    stored = ActivityEntry.objects.get(pk=inserted.pk)
    assert stored.at is not None and inserted.at == stored.at  # auto_now_add, as save() sets it
    ignore = {"id", "at"}
    assert {k: v for k, v in _values(stored).items() if k not in ignore} == {
        k: v for k, v in _values(stored_saved).items() if k not in ignore
    }


def test_a_model_whose_save_adds_something_is_saved_by_save(customer, finance):
    heard = []

    def receiver(sender, instance, **kwargs):
        heard.append(instance)

    signals.pre_save.connect(receiver, sender=ActivityEntry)
    try:
        entry = _entry(customer, finance)
        row_insert(entry)
    finally:
        signals.pre_save.disconnect(receiver, sender=ActivityEntry)

    assert heard == [entry] and ActivityEntry.objects.filter(pk=entry.pk).exists()
