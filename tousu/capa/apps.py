from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "tousu.capa"
    label = "capa"
    verbose_name = "整改措施"
