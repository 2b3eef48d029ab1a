from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "tousu.portal"
    label = "portal"
