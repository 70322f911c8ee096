from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kunde.jobs"
    label = "jobs"
    verbose_name = "Jobs"
