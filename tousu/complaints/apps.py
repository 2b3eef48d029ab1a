from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "tousu.complaints"
    label = "complaints"
    verbose_name = "投诉件"
