from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "kunde.files"
