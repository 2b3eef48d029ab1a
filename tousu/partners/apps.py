from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "tousu.partners"
    label = "partners"
    verbose_name = "合作方信用与结算"
