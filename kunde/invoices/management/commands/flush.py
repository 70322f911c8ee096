"""Django's `flush`, which empties every table, with the triggers that protect issued
documents lifted for the moment: on SQLite a flush deletes rows one table at a time."""

from django.core.management.commands import flush
from django.db import connections

from kunde.invoices.protection import install_triggers, remove_triggers


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        remove_triggers(connection)
        try:
            super().handle(**options)
        finally:
            install_triggers(connection)
