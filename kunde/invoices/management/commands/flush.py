"""Django's `flush`, which empties every table, with the database triggers lifted for the
moment: those that protect issued documents (on SQLite a flush deletes rows one table at a time)
and those that keep derived tables (`lib.derived_tables`)."""

from django.core.management.commands import flush
from django.db import connections

from kunde.invoices import protection
from kunde.payments.open_amounts import OPEN_AMOUNTS
from kunde.stats.invoice_months import INVOICE_MONTHS
from kunde.stats.payment_months import PAYMENT_MONTHS

DERIVED = (OPEN_AMOUNTS, INVOICE_MONTHS, PAYMENT_MONTHS)


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        protection.remove_triggers(connection)
        for derived in DERIVED:
            derived.remove_triggers(connection)
        try:
            super().handle(**options)
        finally:
            protection.install_triggers(connection)
            for derived in DERIVED:
                derived.install_triggers(connection)
