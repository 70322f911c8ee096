"""Django's `flush`, which empties every table, with the database triggers lifted for the
moment: those that protect issued documents (on SQLite a flush deletes rows one table at a time)
and those that keep derived tables (`lib.derived_tables`)."""

from django.core.management.commands import flush
from django.db import connections

from kunde.invoices import protection
from kunde.lib.derived_tables import REGISTRY


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        protection.remove_triggers(connection)
        for derived in REGISTRY:
            derived.remove_triggers(connection)
        try:
            super().handle(**options)
        finally:
            protection.install_triggers(connection)
            for derived in REGISTRY:
                derived.install_triggers(connection)
