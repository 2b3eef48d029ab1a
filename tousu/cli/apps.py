from django.apps import AppConfig


class CliConfig(AppConfig):
    name = "tousu.cli"
    label = "cli"
