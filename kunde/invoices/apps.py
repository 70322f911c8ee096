from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class InvoicesConfig(AppConfig):
    name = "kunde.invoices"

    def ready(self):
        from kunde.invoices.protection import install_after_migrate, lift_before_migrate

        pre_migrate.connect(lift_before_migrate, sender=self)
        post_migrate.connect(install_after_migrate, sender=self)
