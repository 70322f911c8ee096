"""The triggers that keep `InvoiceMonth` (issued documents summed per customer, project, month,
currency and kind): a document issued (or inserted as issued) is added to its month; one moved
to another customer by a merge or its undo is taken from the old customer's month and added to
the new one's. Issued documents change in no other way (`invoices.protection`).

Installed, lifted and rebuilt around `migrate` as `lib.derived_tables` says.
"""

from kunde.lib.derived_tables import DerivedTable

TABLE = "stats_invoicemonth"
INVOICE_TABLE = "invoices_invoice"
COLUMNS = "customer_id, project_id, month, currency, kind, net_ore, documents"


def month_start(vendor: str, day: str) -> str:
    """SQL: the first day of the month of the date `day`."""
    if vendor == "postgresql":
        return f"CAST(date_trunc('month', {day}) AS date)"
    return f"(substr({day}, 1, 8) || '01')"


def _add(vendor: str, row: str, sign: str) -> str:
    """Statements adding (sign "+") or taking away ("-") the document `row` (NEW or OLD) to
    its month: the month's row is made if missing, then one row of it is changed (PostgreSQL
    may hold two, made by two issuers at once; the readers sum them)."""
    same_project = "IS NOT DISTINCT FROM" if vendor == "postgresql" else "IS"
    same = (
        f"customer_id = {row}.customer_id AND project_id {same_project} {row}.project_id "
        f"AND month = {month_start(vendor, f'{row}.issue_date')} AND currency = {row}.currency "
        f"AND kind = {row}.kind"
    )
    return (
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT {row}.customer_id, {row}.project_id, "
        f"{month_start(vendor, f'{row}.issue_date')}, {row}.currency, {row}.kind, 0, 0 "
        f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE {same}); "
        f"UPDATE {TABLE} SET net_ore = net_ore {sign} {row}.net_ore, "
        f"documents = documents {sign} 1 WHERE id = (SELECT MIN(id) FROM {TABLE} WHERE {same});"
    )


def _moved(vendor: str) -> str:
    return (
        f"{_add(vendor, 'OLD', '-')} {_add(vendor, 'NEW', '+')} "
        f"DELETE FROM {TABLE} WHERE customer_id = OLD.customer_id "
        "AND documents = 0 AND net_ore = 0;"
    )


def _sqlite() -> list[str]:
    return [
        f"""CREATE TRIGGER kunde_invoice_month_insert AFTER INSERT ON {INVOICE_TABLE}
        WHEN NEW.status = 'issued' BEGIN {_add("sqlite", "NEW", "+")} END""",
        f"""CREATE TRIGGER kunde_invoice_month_issue AFTER UPDATE OF status ON {INVOICE_TABLE}
        WHEN NEW.status = 'issued' AND OLD.status IS NOT 'issued'
        BEGIN {_add("sqlite", "NEW", "+")} END""",
        f"""CREATE TRIGGER kunde_invoice_month_customer AFTER UPDATE OF customer_id
        ON {INVOICE_TABLE} WHEN OLD.status = 'issued' AND NEW.customer_id IS NOT OLD.customer_id
        BEGIN {_moved("sqlite")} END""",
    ]


def _postgresql() -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION kunde_invoice_month() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.status = 'issued' THEN
                {_moved("postgresql")}
            ELSE
                {_add("postgresql", "NEW", "+")}
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""CREATE TRIGGER kunde_invoice_month_insert AFTER INSERT ON {INVOICE_TABLE}
        FOR EACH ROW WHEN (NEW.status = 'issued') EXECUTE FUNCTION kunde_invoice_month()""",
        f"""CREATE TRIGGER kunde_invoice_month_update AFTER UPDATE ON {INVOICE_TABLE}
        FOR EACH ROW WHEN (NEW.status = 'issued' AND (OLD.status <> 'issued'
            OR NEW.customer_id IS DISTINCT FROM OLD.customer_id))
        EXECUTE FUNCTION kunde_invoice_month()""",
    ]


def _fill(vendor: str) -> list[str]:
    return [
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT customer_id, project_id, "
        f"{month_start(vendor, 'issue_date')}, currency, kind, SUM(net_ore), COUNT(*) "
        f"FROM {INVOICE_TABLE} WHERE status = 'issued' "
        f"GROUP BY customer_id, project_id, {month_start(vendor, 'issue_date')}, currency, kind"
    ]


INVOICE_MONTHS = DerivedTable(
    table=TABLE,
    sources=(INVOICE_TABLE,),
    sqlite_triggers=(
        "kunde_invoice_month_insert",
        "kunde_invoice_month_issue",
        "kunde_invoice_month_customer",
    ),
    postgresql_triggers=(
        ("kunde_invoice_month_insert", INVOICE_TABLE),
        ("kunde_invoice_month_update", INVOICE_TABLE),
    ),
    trigger_statements=lambda vendor: _postgresql() if vendor == "postgresql" else _sqlite(),
    fill_statements=_fill,
)
