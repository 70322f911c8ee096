from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "kunde.projects"
