"""The triggers that keep `PaymentMonth` (a customer's payments summed per month and by what the
Key statistics tell apart: project, currency, method, in or out, days from the invoice's date
and whether after its due date). A payment inserted, assigned to its owner or deleted is added
to or taken from its month; payments change in no other way (`payments.models.Payment`), and
neither do the issued invoices they name. PostgreSQL does it once per statement, so an OCR
file's 100,000 rows cost a few statements, not 100,000 function calls.

Installed, lifted and rebuilt around `migrate` as `lib.derived_tables` says.
"""

from kunde.lib.derived_tables import DerivedTable
from kunde.stats.invoice_months import month_start

TABLE = "stats_paymentmonth"
PAYMENT_TABLE = "payments_payment"
INVOICE_TABLE = "invoices_invoice"
PAYMENT_COLUMNS = ("customer_id", "invoice_id", "date", "currency", "method", "amount_ore")


def _keys(vendor: str) -> list[tuple[str, str]]:
    """(column, expression over the payment `r` and its invoice `i`) of a payment's month."""
    month = month_start(vendor, "r.date")
    if vendor == "postgresql":
        days = "(r.date - i.issue_date)"
    else:
        days = "(CAST(julianday(r.date) AS integer) - CAST(julianday(i.issue_date) AS integer))"
    return [
        ("customer_id", "r.customer_id"),
        ("project_id", "i.project_id"),
        ("month", month),
        ("currency", "r.currency"),
        ("method", "r.method"),
        ("received", "(r.amount_ore > 0)"),
        ("days", days),  # NULL without an invoice
        ("late", "COALESCE(r.date > i.due_date, FALSE)"),
    ]


def _add(vendor: str, rows: str, sign: str) -> list[str]:
    """Statements adding (sign "") or taking away ("-") the payments `rows` (SQL giving the
    payments' columns) to their months: missing month rows are made, then one row of each
    (PostgreSQL may hold two, made by two writers at once; the readers sum them) changed."""
    keys = _keys(vendor)
    same = "IS NOT DISTINCT FROM" if vendor == "postgresql" else "IS"
    columns = ", ".join(column for column, _ in keys)
    grouped = (
        f"SELECT {', '.join(f'{expr} AS {column}' for column, expr in keys)}, "
        f"{sign}SUM(r.amount_ore) AS amount, {sign}COUNT(*) AS n "
        f"FROM {rows} r LEFT JOIN {INVOICE_TABLE} i ON i.id = r.invoice_id "
        f"WHERE r.customer_id IS NOT NULL GROUP BY {', '.join(expr for _, expr in keys)}"
    )
    match = " AND ".join(f"t.{column} {same} m.{column}" for column, _ in keys)
    return [
        f"INSERT INTO {TABLE} ({columns}, amount_ore, payments) "
        f"SELECT {columns}, 0, 0 FROM ({grouped}) m "
        f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} t WHERE {match})",
        f"UPDATE {TABLE} SET amount_ore = {TABLE}.amount_ore + m.amount, "
        f"payments = {TABLE}.payments + m.n FROM ({grouped}) m "
        f"WHERE {TABLE}.id = (SELECT MIN(t.id) FROM {TABLE} t WHERE {match})",
    ]


def _add_row(row: str, sign: str) -> list[str]:
    """SQLite's per-row form of `_add` for the trigger's NEW or OLD payment: each key a plain
    value (the invoice's by its id), so that the month's row is found by its index, and no
    grouping (an OCR file books 100,000 payments one by one)."""
    invoice = f"FROM {INVOICE_TABLE} WHERE id = {row}.invoice_id"
    keys = [
        ("customer_id", f"{row}.customer_id"),
        ("project_id", f"(SELECT project_id {invoice})"),
        ("month", month_start("sqlite", f"{row}.date")),
        ("currency", f"{row}.currency"),
        ("method", f"{row}.method"),
        ("received", f"({row}.amount_ore > 0)"),
        (
            "days",
            f"(SELECT CAST(julianday({row}.date) AS integer) "
            f"- CAST(julianday(issue_date) AS integer) {invoice})",
        ),
        ("late", f"COALESCE((SELECT {row}.date > due_date {invoice}), FALSE)"),
    ]
    match = " AND ".join(f"{column} IS {expr}" for column, expr in keys)
    return [
        f"INSERT INTO {TABLE} ({', '.join(c for c, _ in keys)}, amount_ore, payments) "
        f"SELECT {', '.join(expr for _, expr in keys)}, 0, 0 "
        f"WHERE {row}.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {match})",
        f"UPDATE {TABLE} SET amount_ore = amount_ore {sign} {row}.amount_ore, "
        f"payments = payments {sign} 1 WHERE id = (SELECT MIN(id) FROM {TABLE} WHERE {match})",
    ]


def _body(statements: list[str]) -> str:
    return "".join(f"{sql}; " for sql in statements)


def _sqlite() -> list[str]:
    new, old = _add_row("NEW", "+"), _add_row("OLD", "-")
    return [
        f"""CREATE TRIGGER kunde_payment_month_insert AFTER INSERT ON {PAYMENT_TABLE}
        WHEN NEW.customer_id IS NOT NULL BEGIN {_body(new)} END""",
        f"""CREATE TRIGGER kunde_payment_month_update AFTER UPDATE OF
        {", ".join(PAYMENT_COLUMNS)} ON {PAYMENT_TABLE}
        BEGIN {_body(old + new)} END""",
        f"""CREATE TRIGGER kunde_payment_month_delete AFTER DELETE ON {PAYMENT_TABLE}
        WHEN OLD.customer_id IS NOT NULL BEGIN {_body(old)} END""",
    ]


def _postgresql() -> list[str]:
    given_back = _body(_add("postgresql", "old_rows", "-"))
    taken = _body(_add("postgresql", "new_rows", ""))
    return [
        f"""
        CREATE OR REPLACE FUNCTION kunde_payment_month() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                {given_back}
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                {taken}
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""CREATE TRIGGER kunde_payment_month_insert AFTER INSERT ON {PAYMENT_TABLE}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_payment_month()""",
        f"""CREATE TRIGGER kunde_payment_month_update AFTER UPDATE ON {PAYMENT_TABLE}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_payment_month()""",
        f"""CREATE TRIGGER kunde_payment_month_delete AFTER DELETE ON {PAYMENT_TABLE}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_payment_month()""",
    ]


def _fill(vendor: str) -> list[str]:
    """All payments at once, by the same statements as a bulk insert."""
    return _add(vendor, PAYMENT_TABLE, "")


PAYMENT_MONTHS = DerivedTable(
    table=TABLE,
    sources=(PAYMENT_TABLE, INVOICE_TABLE),
    sqlite_triggers=(
        "kunde_payment_month_insert",
        "kunde_payment_month_update",
        "kunde_payment_month_delete",
    ),
    postgresql_triggers=(
        ("kunde_payment_month_insert", PAYMENT_TABLE),
        ("kunde_payment_month_update", PAYMENT_TABLE),
        ("kunde_payment_month_delete", PAYMENT_TABLE),
    ),
    trigger_statements=lambda vendor: _postgresql() if vendor == "postgresql" else _sqlite(),
    fill_statements=_fill,
)
