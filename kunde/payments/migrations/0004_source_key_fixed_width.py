from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_hash_source_keys")]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="source_key",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
    ]
