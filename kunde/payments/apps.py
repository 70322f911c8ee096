from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kunde.payments"

    def ready(self):
        from kunde.payments.open_amounts import OPEN_AMOUNTS

        OPEN_AMOUNTS.connect(self)
