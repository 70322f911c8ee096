from django.apps import AppConfig


class MergesConfig(AppConfig):
    name = "kunde.merges"
