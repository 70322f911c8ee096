from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "kunde.offers"
