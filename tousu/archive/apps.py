from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "tousu.archive"
    label = "archive"
