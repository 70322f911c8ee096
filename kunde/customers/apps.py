from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kunde.customers"
