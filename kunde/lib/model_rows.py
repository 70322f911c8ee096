"""Whole model instances read by plain SELECTs, for the few reads on a hot path.

The ORM compiles every query again each time, column by column: for models of twenty to forty
columns that takes longer than the database takes to answer. These helpers write the SELECT of
the queryset named in each docstring once per database connection and convert every value with
the converters the ORM would use (the backend's and the field's), so the instances are the ones
the queryset gives. Issuing reads the draft, the company and the draft's lines with them on
every issue, and writes its activity entry with `row_insert`.
"""

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from django.db import connections, models, router
from django.db.models import signals


def model_rows(model, **where) -> list:
    """`list(model.objects.filter(**where))`, in the model's `Meta.ordering`: equality on field
    names or "pk" with plain values (a foreign key's id, not the object)."""
    if not where:
        raise ValueError("model_rows needs at least one condition")
    return _read(model, where=where, related=(), ordering=True, for_update=False)


def row_with_related(model, pk, *, related: tuple[str, ...], for_update: bool = False):
    """`model.objects.select_related(*related).get(pk=pk)` (with `for_update`, also
    `.select_for_update(of=("self",))`: only this row is locked) for foreign keys `related` of
    `model` itself. Raises `model.DoesNotExist`."""
    rows = _read(model, where={"pk": pk}, related=related, ordering=False, for_update=for_update)
    if not rows:
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return rows[0]


def _read(model, *, where: dict, related: tuple, ordering: bool, for_update: bool) -> list:
    # The database select_for_update() would use: the one written to when locking.
    alias = router.db_for_write(model) if for_update else router.db_for_read(model)
    connection = connections[alias]
    plan = _plan(connection, model, tuple(where), related, ordering, for_update)
    params = [
        field.get_db_prep_value(value, connection, prepared=False)
        for field, value in zip(plan.where_fields, where.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()
    return [plan.instance(list(row), connection) for row in rows]


@dataclass(frozen=True)
class _Part:
    """One model's columns in the row: the model read, or one it refers to by `field`."""

    model: type
    field: object  # the foreign key followed; None for the model read
    start: int
    attnames: list[str]
    pk_index: int

    def instance(self, row: list, alias: str):
        values = row[self.start : self.start + len(self.attnames)]
        if values[self.pk_index] is None:  # a LEFT JOIN that found no row
            return None
        return self.model.from_db(alias, self.attnames, values)


@dataclass(frozen=True)
class _Plan:
    sql: str
    where_fields: list
    parts: list[_Part]
    converters: list[tuple]  # (index, converters, column expression) for columns with any

    def instance(self, row: list, connection):
        """The model's instance from one row, with its related instances cached on it as
        select_related caches them."""
        for index, converters, column in self.converters:
            for converter in converters:
                row[index] = converter(row[index], column, connection)
        main, *joined = self.parts
        instance = main.instance(row, connection.alias)
        for part in joined:
            target = part.instance(row, connection.alias)
            part.field.set_cached_value(instance, target)  # None for an empty key, as the ORM
            if target is not None and part.field.unique:
                part.field.remote_field.set_cached_value(target, instance)
        return instance


_plans: WeakKeyDictionary = WeakKeyDictionary()  # connection -> {key: plan}


def _plan(connection, *key) -> _Plan:
    return _cached(connection, key, lambda: _make_plan(connection, *key))


def _cached(connection, key, make):
    plans = _plans.setdefault(connection, {})
    if key not in plans:
        plans[key] = make()
    return plans[key]


def _make_plan(connection, model, where, related, ordering, for_update) -> _Plan:
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    fields = [meta.get_field(name) for name in related]
    if not all(field.concrete and (field.many_to_one or field.one_to_one) for field in fields):
        raise ValueError(f"row_with_related follows foreign keys of {model.__name__} only")
    models_read = [model, *(field.related_model for field in fields)]
    if any(read._meta.parents for read in models_read):
        raise ValueError("model_rows reads one table per model (no multi-table inheritance)")
    if len({read._meta.db_table for read in models_read}) < len(models_read):
        raise ValueError("model_rows reads each table once (no aliases)")
    parts, columns, joins = [], [], []
    for joined, field in zip(models_read, [None, *fields], strict=True):
        concrete = joined._meta.concrete_fields
        parts.append(
            _Part(
                model=joined,
                field=field,
                start=len(columns),
                attnames=[f.attname for f in concrete],
                pk_index=concrete.index(joined._meta.pk),
            )
        )
        columns += [(joined._meta.db_table, f) for f in concrete]
        if field is not None:
            joined_table = quote(joined._meta.db_table)
            kind = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
            joins.append(
                f"{kind} {joined_table} ON {joined_table}.{quote(field.target_field.column)}"
                f" = {table}.{quote(field.column)}"
            )
    where_fields = [_field(meta, name) for name in where]
    selected = ", ".join(f"{quote(t)}.{quote(f.column)}" for t, f in columns)
    conditions = " AND ".join(f"{table}.{quote(f.column)} = %s" for f in where_fields)
    sql = f"SELECT {selected} FROM {table} {' '.join(joins)} WHERE {conditions}"
    if ordering and meta.ordering:
        terms = ", ".join(_order_term(meta, term, table, quote) for term in meta.ordering)
        sql += f" ORDER BY {terms}"
    if for_update and connection.features.has_select_for_update:
        of = connection.features.has_select_for_update_of
        sql += f" FOR UPDATE OF {table}" if of else " FOR UPDATE"
    converters = []
    for index, (column_table, field) in enumerate(columns):
        column = field.get_col(column_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return _Plan(sql=sql, where_fields=where_fields, parts=parts, converters=converters)


def _order_term(meta, term, table: str, quote) -> str:
    if not isinstance(term, str) or term == "?":
        raise ValueError(f"model_rows orders by field names only, not {term!r}")
    field = _field(meta, term.removeprefix("-"))
    if field.is_relation:  # the ORM would order by the related model's ordering
        raise ValueError(f"model_rows orders by the model's own fields only, not {term!r}")
    column = f"{table}.{quote(field.column)}"
    return f"{column} DESC" if term.startswith("-") else column


def _field(meta, name: str):
    return meta.pk if name == "pk" else meta.get_field(name)


def row_insert(instance) -> None:
    """`instance.save()` for a new row: one INSERT made once per connection, returning the
    primary key, each value prepared as save() prepares it (the field's pre_save, as when
    adding, then get_db_prep_save). A model whose save() adds anything (its own save(), signal
    receivers, database defaults, generated columns, a parent model) is saved by save()."""
    model = type(instance)
    connection = connections[router.db_for_write(model, instance=instance)]
    if instance.pk is not None or not _plainly_inserted(model, connection):
        instance.save()
        return
    instance._prepare_related_fields_for_save(operation_name="save")  # as save() checks them
    sql, fields = _cached(connection, (model, "insert"), lambda: _insert_plan(connection, model))
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        instance.pk = cursor.fetchone()[0]
    instance._state.adding = False
    instance._state.db = connection.alias


def _plainly_inserted(model, connection) -> bool:
    meta = model._meta
    return (
        model.save is models.Model.save
        and not meta.parents
        and meta.pk is meta.auto_field
        and connection.features.can_return_columns_from_insert
        and not signals.pre_save.has_listeners(model)
        and not signals.post_save.has_listeners(model)
        and not any(field.generated or field.has_db_default() for field in meta.concrete_fields)
    )


def _insert_plan(connection, model) -> tuple[str, list]:
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [field for field in meta.local_concrete_fields if field is not meta.pk]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join("%s" for _ in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "
        f"RETURNING {quote(meta.pk.column)}"
    )
    return sql, fields
