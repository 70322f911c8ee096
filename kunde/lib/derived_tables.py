"""Tables derived from others and kept by database triggers, so that every way of writing (a
service, a bulk insert, a merge, raw SQL) keeps them: what is open on each invoice
(`payments.open_amounts`) and the invoices summed per month (`stats.invoice_months`).

SQLite drops a table's triggers when a migration rebuilds the table, so, like the protection of
issued documents (`invoices.protection`), the triggers are lifted before `migrate` and put back
after it; and as a migration's data changes could have run without them, the table is then made
again from its sources (`rebuild`) whenever a migration was applied.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Every DerivedTable made, in order (their apps make them when ready): for `flush` and
# `kunde stats-rebuild`.
REGISTRY: list["DerivedTable"] = []


@dataclass(frozen=True)
class DerivedTable:
    table: str
    sources: tuple[str, ...]  # the tables it is made from
    sqlite_triggers: tuple[str, ...]
    postgresql_triggers: tuple[tuple[str, str], ...]  # (trigger, table)
    # vendor ("sqlite", "postgresql") -> the statements that create the triggers
    trigger_statements: Callable[[str], list[str]]
    # vendor -> the statements that fill the emptied table from its sources
    fill_statements: Callable[[str], list[str]]

    def __post_init__(self):
        REGISTRY.append(self)

    def remove_triggers(self, connection) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for name, table in self.postgresql_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            elif connection.vendor == "sqlite":
                for name in self.sqlite_triggers:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name}")

    def install_triggers(self, connection) -> None:
        if connection.vendor not in ("postgresql", "sqlite"):
            return
        self.remove_triggers(connection)
        with connection.cursor() as cursor:
            for sql in self.trigger_statements(connection.vendor):
                cursor.execute(sql)

    def rebuild(self, connection) -> None:
        """Make every row again from the sources."""
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {self.table}")
            for sql in self.fill_statements(connection.vendor):
                cursor.execute(sql)

    def install_after_migrate(self, sender, using, plan=None, **kwargs) -> None:
        """post_migrate: the triggers back, and the rows made again if a migration ran."""
        from django.db import connections, transaction

        connection = connections[using]
        if not {self.table, *self.sources} <= set(connection.introspection.table_names()):
            return
        with transaction.atomic(using=using):
            self.install_triggers(connection)
            if plan:
                self.rebuild(connection)

    def lift_before_migrate(self, sender, using, **kwargs) -> None:
        """pre_migrate, SQLite only: a migration may rebuild a table the triggers name."""
        from django.db import connections

        connection = connections[using]
        if connection.vendor == "sqlite":
            self.remove_triggers(connection)

    def connect(self, app_config) -> None:
        """Keep the triggers through `migrate` (call from the app's `ready`)."""
        from django.db.models.signals import post_migrate, pre_migrate

        pre_migrate.connect(self.lift_before_migrate, sender=app_config, weak=False)
        post_migrate.connect(self.install_after_migrate, sender=app_config, weak=False)
