from django.db import migrations


def superusers_to_admin(apps, schema_editor):
    # `createsuperuser` used to give the default role, read-only: a superuser runs the install.
    apps.get_model("accounts", "User").objects.filter(is_superuser=True).update(role="admin")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_changes_log")]

    operations = [migrations.RunPython(superusers_to_admin, migrations.RunPython.noop)]
