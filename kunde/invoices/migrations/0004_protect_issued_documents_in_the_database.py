"""Database triggers that refuse to change or delete issued documents (see
kunde.invoices.protection): PostgreSQL and SQLite each get their own."""

from django.db import migrations

from kunde.invoices import protection


def install(apps, schema_editor):
    # On SQLite the triggers live outside migrations (lifted by pre_migrate, put back by
    # post_migrate): a later migration that rebuilds the table could not run under them.
    if schema_editor.connection.vendor != "sqlite":
        protection.install_triggers(schema_editor.connection, apps.get_model("invoices", "Invoice"))


def remove(apps, schema_editor):
    protection.remove_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0003_invoice_options_hour_lines"),
    ]

    operations = [migrations.RunPython(install, remove)]
