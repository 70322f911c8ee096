from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "kunde.stats"

    def ready(self):
        from kunde.stats.invoice_months import INVOICE_MONTHS
        from kunde.stats.payment_months import PAYMENT_MONTHS

        INVOICE_MONTHS.connect(self)
        PAYMENT_MONTHS.connect(self)
