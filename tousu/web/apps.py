from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tousu.web"
    label = "web"
