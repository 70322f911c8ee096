"""The triggers that keep `InvoiceOpenAmount` (what is open on each issued invoice, and the
latest date of anything on it) as payments are booked and documents issued: in the database, so
that every way of writing (a service, an OCR file's bulk insert, a merge, raw SQL) keeps it.

- an invoice issued (or inserted as issued): its row, computed from what is on it already;
- a credit note issued: added to its invoice's row;
- a payment inserted, assigned to an invoice or deleted: taken from or given back to its
  invoice's row; PostgreSQL does it once per statement, so an OCR file's 100,000 rows cost one
  UPDATE, not 100,000 function calls;
- an invoice moved to another customer (merge and undo): the row follows it.

Installed, lifted and rebuilt around `migrate` as `lib.derived_tables` says.
"""

from kunde.lib.derived_tables import DerivedTable

TABLE = "payments_invoiceopenamount"
INVOICE_TABLE = "invoices_invoice"
PAYMENT_TABLE = "payments_payment"
_CREDIT_NOTES = (
    f"FROM {INVOICE_TABLE} c WHERE c.credited_invoice_id = i.id "
    "AND c.kind = 'credit_note' AND c.status = 'issued'"
)
_PAYMENTS = f"FROM {PAYMENT_TABLE} p WHERE p.invoice_id = i.id"


def _row(greatest: str) -> str:
    """The columns of an issued invoice `i`'s row, as `selectors.with_open_ore` defines its open
    amount with everything counted."""
    return (
        "i.id, i.customer_id, i.currency, i.project_id, i.due_date, i.total_ore"
        f" + COALESCE((SELECT SUM(c.total_ore) {_CREDIT_NOTES}), 0)"
        f" - COALESCE((SELECT SUM(p.amount_ore) {_PAYMENTS}), 0), "
        f"{greatest}(i.issue_date,"
        f" COALESCE((SELECT MAX(p.date) {_PAYMENTS}), i.issue_date),"
        f" COALESCE((SELECT MAX(c.issue_date) {_CREDIT_NOTES}), i.issue_date))"
    )


def _insert(greatest: str, where: str) -> str:
    return (
        f"INSERT INTO {TABLE} "
        "(invoice_id, customer_id, currency, project_id, due_date, open_ore, last_date) "
        f"SELECT {_row(greatest)} FROM {INVOICE_TABLE} i "
        f"WHERE i.status = 'issued' AND i.kind = 'invoice'{where}"
    )


def _sqlite() -> list[str]:
    issued = (
        f"{_insert('max', ' AND i.id = NEW.id')}; "
        f"UPDATE {TABLE} SET open_ore = open_ore + NEW.total_ore, "
        "last_date = max(last_date, NEW.issue_date) "
        "WHERE NEW.kind = 'credit_note' AND invoice_id = NEW.credited_invoice_id;"
    )
    take = (
        f"UPDATE {TABLE} SET open_ore = open_ore - NEW.amount_ore, "
        "last_date = max(last_date, NEW.date) WHERE invoice_id = NEW.invoice_id;"
    )
    give_back = (
        f"UPDATE {TABLE} SET open_ore = open_ore + OLD.amount_ore, "
        "last_date = max(last_date, OLD.date) WHERE invoice_id = OLD.invoice_id;"
    )
    return [
        f"""CREATE TRIGGER kunde_open_invoice_insert AFTER INSERT ON {INVOICE_TABLE}
        WHEN NEW.status = 'issued' BEGIN {issued} END""",
        f"""CREATE TRIGGER kunde_open_invoice_issue AFTER UPDATE OF status ON {INVOICE_TABLE}
        WHEN NEW.status = 'issued' AND OLD.status IS NOT 'issued' BEGIN {issued} END""",
        f"""CREATE TRIGGER kunde_open_invoice_customer AFTER UPDATE OF customer_id
        ON {INVOICE_TABLE} WHEN NEW.customer_id IS NOT OLD.customer_id BEGIN
        UPDATE {TABLE} SET customer_id = NEW.customer_id WHERE invoice_id = NEW.id; END""",
        f"""CREATE TRIGGER kunde_open_payment_insert AFTER INSERT ON {PAYMENT_TABLE}
        WHEN NEW.invoice_id IS NOT NULL BEGIN {take} END""",
        f"""CREATE TRIGGER kunde_open_payment_update
        AFTER UPDATE OF invoice_id, amount_ore, date ON {PAYMENT_TABLE}
        BEGIN {give_back} {take} END""",
        f"""CREATE TRIGGER kunde_open_payment_delete AFTER DELETE ON {PAYMENT_TABLE}
        WHEN OLD.invoice_id IS NOT NULL BEGIN {give_back} END""",
    ]


def _payments_moved(rows: str, sign: str) -> str:
    """Per invoice: the money of the transition table `rows` (given back with sign "+", taken
    with "-") and its latest date."""
    return (
        f"SELECT invoice_id, {sign}SUM(amount_ore) AS delta, MAX(date) AS last "
        f"FROM {rows} WHERE invoice_id IS NOT NULL GROUP BY invoice_id"
    )


def _postgresql() -> list[str]:
    def apply(moved: str) -> str:
        return (
            f"UPDATE {TABLE} t SET open_ore = t.open_ore + m.delta, "
            "last_date = GREATEST(t.last_date, m.last) "
            f"FROM (SELECT invoice_id, SUM(delta) AS delta, MAX(last) AS last FROM ({moved}) u "
            "GROUP BY invoice_id) m WHERE t.invoice_id = m.invoice_id;"
        )

    given_back = _payments_moved("old_rows", "")
    taken = _payments_moved("new_rows", "-")
    return [
        f"""
        CREATE OR REPLACE FUNCTION kunde_open_amount_invoice() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.status = 'issued' THEN
                UPDATE {TABLE} SET customer_id = NEW.customer_id WHERE invoice_id = NEW.id;
            ELSIF NEW.kind = 'invoice' THEN
                {_insert("GREATEST", " AND i.id = NEW.id")};
            ELSIF NEW.kind = 'credit_note' THEN
                UPDATE {TABLE} SET open_ore = open_ore + NEW.total_ore,
                    last_date = GREATEST(last_date, NEW.issue_date)
                WHERE invoice_id = NEW.credited_invoice_id;
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION kunde_open_amount_payments() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                {apply(taken)}
            ELSIF TG_OP = 'DELETE' THEN
                {apply(given_back)}
            ELSE
                {apply(f"{given_back} UNION ALL {taken}")}
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""CREATE TRIGGER kunde_open_invoice_insert AFTER INSERT ON {INVOICE_TABLE}
        FOR EACH ROW WHEN (NEW.status = 'issued')
        EXECUTE FUNCTION kunde_open_amount_invoice()""",
        f"""CREATE TRIGGER kunde_open_invoice_update AFTER UPDATE ON {INVOICE_TABLE}
        FOR EACH ROW WHEN (NEW.status = 'issued' AND (OLD.status <> 'issued'
            OR NEW.customer_id IS DISTINCT FROM OLD.customer_id))
        EXECUTE FUNCTION kunde_open_amount_invoice()""",
        f"""CREATE TRIGGER kunde_open_payment_insert AFTER INSERT ON {PAYMENT_TABLE}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_open_amount_payments()""",
        f"""CREATE TRIGGER kunde_open_payment_update AFTER UPDATE ON {PAYMENT_TABLE}
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_open_amount_payments()""",
        f"""CREATE TRIGGER kunde_open_payment_delete AFTER DELETE ON {PAYMENT_TABLE}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
        EXECUTE FUNCTION kunde_open_amount_payments()""",
    ]


OPEN_AMOUNTS = DerivedTable(
    table=TABLE,
    sources=(INVOICE_TABLE, PAYMENT_TABLE),
    sqlite_triggers=(
        "kunde_open_invoice_insert",
        "kunde_open_invoice_issue",
        "kunde_open_invoice_customer",
        "kunde_open_payment_insert",
        "kunde_open_payment_update",
        "kunde_open_payment_delete",
    ),
    postgresql_triggers=(
        ("kunde_open_invoice_insert", INVOICE_TABLE),
        ("kunde_open_invoice_update", INVOICE_TABLE),
        ("kunde_open_payment_insert", PAYMENT_TABLE),
        ("kunde_open_payment_update", PAYMENT_TABLE),
        ("kunde_open_payment_delete", PAYMENT_TABLE),
    ),
    trigger_statements=lambda vendor: _postgresql() if vendor == "postgresql" else _sqlite(),
    fill_statements=lambda vendor: [_insert("GREATEST" if vendor == "postgresql" else "max", "")],
)
