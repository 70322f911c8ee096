from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InvoicesConfig(AppConfig):
    name = "kunde.invoices"

    def ready(self):
        from kunde.invoices.protection import install_after_migrate

        post_migrate.connect(install_after_migrate, sender=self)
