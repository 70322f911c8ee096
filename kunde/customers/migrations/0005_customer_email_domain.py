"""The e-mail domain of duplicate suggestions, filled for the customers that exist."""

from django.db import migrations, models

from kunde.lib.names import email_domain


def fill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.objects.exclude(email="").only("pk", "email").iterator(2000):
        customer.email_domain = email_domain(customer.email)[:254]
        batch.append(customer)
        if len(batch) == 2000:
            Customer.objects.bulk_update(batch, ["email_domain"])
            batch = []
    Customer.objects.bulk_update(batch, ["email_domain"])


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_customer_name_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="email_domain",
            field=models.CharField(db_index=True, default="", editable=False, max_length=254),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
