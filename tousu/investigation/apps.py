from django.apps import AppConfig


class InvestigationConfig(AppConfig):
    name = "tousu.investigation"
    label = "investigation"
