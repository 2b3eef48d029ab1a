from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "tousu.accountability"
    label = "accountability"
    verbose_name = "责任认定与问责"
