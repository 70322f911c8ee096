"""Database triggers that refuse to change or delete issued documents.

`Invoice.save()`, `delete()` and the queryset guard single rows and ordinary querysets; the
triggers hold for everything else (a plain `QuerySet.update()`, `_raw_delete()`, raw SQL).
Only the operational fields in `Invoice.MUTABLE_AFTER_ISSUE` may change on an issued document,
the stored PDF (`Invoice.WRITE_ONCE_AFTER_ISSUE`) may be set once while it is empty, and the
lines never change. A refused statement raises IntegrityError.

The SQLite triggers name each protected column, and SQLite drops triggers when a migration
rebuilds a table, so they are put back (from the current model) after every `migrate`.
"""

INVOICE_TABLE = "invoices_invoice"
LINE_TABLE = "invoices_invoiceline"
MESSAGE = "Issued invoices and credit notes are never changed or deleted; issue a credit note."
TRIGGERS = [
    "kunde_issued_invoice_update",
    "kunde_issued_invoice_delete",
    "kunde_issued_line_insert",
    "kunde_issued_line_update",
    "kunde_issued_line_delete",
]
MOVE_TABLE = "invoices_customermove"
# A customer merge moves issued documents to the survivor: the customer column may change, and
# only from -> to as a `CustomerMove` row of the same transaction allows.
_MOVE_REFUSED = (
    'NEW."customer_id" {distinct} OLD."customer_id" AND NOT EXISTS (SELECT 1 FROM '
    + MOVE_TABLE
    + ' WHERE from_customer_id = OLD."customer_id" AND to_customer_id = NEW."customer_id")'
)
_ISSUED = f"SELECT 1 FROM {INVOICE_TABLE} WHERE id = {{row}}.invoice_id AND status = 'issued'"


def mutable_columns(invoice_model) -> list[str]:
    from kunde.invoices.models import Invoice

    fields = invoice_model._meta.concrete_fields
    return sorted(f.column for f in fields if f.name in Invoice.MUTABLE_AFTER_ISSUE)


def write_once_columns(invoice_model) -> list[str]:
    from kunde.invoices.models import Invoice

    fields = invoice_model._meta.concrete_fields
    return sorted(f.column for f in fields if f.name in Invoice.WRITE_ONCE_AFTER_ISSUE)


def _rewritten(write_once: list[str]) -> str:
    """SQL condition: a write-once column that already had a value gets another one."""
    return (
        " OR ".join(
            f'(COALESCE(OLD."{c}", \'\') <> \'\' AND NEW."{c}" IS DISTINCT FROM OLD."{c}")'
            for c in write_once
        )
        or "FALSE"
    )


def _postgresql(invoice_model) -> list[str]:
    write_once = write_once_columns(invoice_model)
    mutable = ", ".join(
        f"'{c}'" for c in mutable_columns(invoice_model) + write_once + ["customer_id"]
    )
    # Whole rows compared as JSON without the mutable columns: a column added later is
    # protected without touching the trigger.
    return [
        f"""
        CREATE OR REPLACE FUNCTION kunde_refuse_issued_invoice_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'issued' AND (
                TG_OP = 'DELETE'
                OR {_rewritten(write_once)}
                OR ({_MOVE_REFUSED.format(distinct="IS DISTINCT FROM")})
                OR (to_jsonb(OLD) - ARRAY[{mutable}]::text[])
                    IS DISTINCT FROM (to_jsonb(NEW) - ARRAY[{mutable}]::text[])
            ) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION kunde_refuse_issued_line_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF (TG_OP <> 'INSERT' AND EXISTS ({_ISSUED.format(row="OLD")}))
               OR (TG_OP <> 'DELETE' AND EXISTS ({_ISSUED.format(row="NEW")})) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$
        """,
        f"""
        CREATE TRIGGER kunde_issued_invoice_update BEFORE UPDATE OR DELETE ON {INVOICE_TABLE}
        FOR EACH ROW EXECUTE FUNCTION kunde_refuse_issued_invoice_change()
        """,
        f"""
        CREATE TRIGGER kunde_issued_line_update BEFORE INSERT OR UPDATE OR DELETE
        ON {LINE_TABLE} FOR EACH ROW EXECUTE FUNCTION kunde_refuse_issued_line_change()
        """,
    ]


def _sqlite(invoice_model) -> list[str]:
    write_once = write_once_columns(invoice_model)
    mutable = set(mutable_columns(invoice_model)) | set(write_once) | {"customer_id"}
    columns = [f.column for f in invoice_model._meta.concrete_fields if f.column not in mutable]
    changed = " OR ".join(f'NEW."{column}" IS NOT OLD."{column}"' for column in columns)
    changed += " OR " + _rewritten(write_once).replace("IS DISTINCT FROM", "IS NOT")
    changed += f" OR ({_MOVE_REFUSED.format(distinct='IS NOT')})"
    refuse = f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    return [
        f"""CREATE TRIGGER kunde_issued_invoice_update BEFORE UPDATE ON {INVOICE_TABLE}
        WHEN OLD.status = 'issued' AND ({changed}) {refuse}""",
        f"""CREATE TRIGGER kunde_issued_invoice_delete BEFORE DELETE ON {INVOICE_TABLE}
        WHEN OLD.status = 'issued' {refuse}""",
        f"""CREATE TRIGGER kunde_issued_line_insert BEFORE INSERT ON {LINE_TABLE}
        WHEN EXISTS ({_ISSUED.format(row="NEW")}) {refuse}""",
        f"""CREATE TRIGGER kunde_issued_line_update BEFORE UPDATE ON {LINE_TABLE}
        WHEN EXISTS ({_ISSUED.format(row="OLD")}) OR EXISTS ({_ISSUED.format(row="NEW")})
        {refuse}""",
        f"""CREATE TRIGGER kunde_issued_line_delete BEFORE DELETE ON {LINE_TABLE}
        WHEN EXISTS ({_ISSUED.format(row="OLD")}) {refuse}""",
    ]


def remove_triggers(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER IF EXISTS kunde_issued_invoice_update ON {INVOICE_TABLE}")
            cursor.execute(f"DROP TRIGGER IF EXISTS kunde_issued_line_update ON {LINE_TABLE}")
        elif connection.vendor == "sqlite":
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install_triggers(connection, invoice_model=None) -> None:
    """(Re)create the triggers; `invoice_model` is the historical model inside a migration."""
    if invoice_model is None:
        from kunde.invoices.models import Invoice as invoice_model
    statements = {"postgresql": _postgresql, "sqlite": _sqlite}.get(connection.vendor)
    if statements is None:
        return  # another database keeps the model-level guards only
    remove_triggers(connection)
    with connection.cursor() as cursor:
        for sql in statements(invoice_model):
            cursor.execute(sql)


def install_after_migrate(sender, using, plan=None, **kwargs) -> None:
    """post_migrate: put the triggers back once the tables exist (SQLite loses them when a
    migration rebuilds the table)."""
    from django.db import connections

    connection = connections[using]
    tables = connection.introspection.table_names()
    if INVOICE_TABLE in tables and LINE_TABLE in tables:
        install_triggers(connection)


def lift_before_migrate(sender, using, **kwargs) -> None:
    """pre_migrate, SQLite only: a migration that rebuilds the invoice table drops and renames
    it, and SQLite refuses that while the line triggers name it. They come back after."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        remove_triggers(connection)
