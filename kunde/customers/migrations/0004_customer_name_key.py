"""The name key of duplicate suggestions, filled for the customers that exist."""

from django.db import migrations, models

from kunde.lib.names import name_key


def fill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.objects.only("pk", "name").iterator(chunk_size=2000):
        customer.name_key = name_key(customer.name)[:200]
        batch.append(customer)
        if len(batch) == 2000:
            Customer.objects.bulk_update(batch, ["name_key"])
            batch = []
    Customer.objects.bulk_update(batch, ["name_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_customer_merge"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="name_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
