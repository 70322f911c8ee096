"""pg_trgm on PostgreSQL, for similar names in a customer's duplicate suggestions. Creating an
extension needs a privileged role; without it the suggestions use the name key alone."""

from django.db import migrations


def create_extension(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT kunde_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # noqa: BLE001 - not allowed for this role: go without
            cursor.execute("ROLLBACK TO SAVEPOINT kunde_trgm")
        else:
            cursor.execute("RELEASE SAVEPOINT kunde_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("merges", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_extension, migrations.RunPython.noop)]
