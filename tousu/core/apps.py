from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tousu.core"
    label = "core"
