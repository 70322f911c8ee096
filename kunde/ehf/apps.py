from django.apps import AppConfig


class EhfConfig(AppConfig):
    name = "kunde.ehf"
