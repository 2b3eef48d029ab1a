from django.apps import AppConfig


class MailgateConfig(AppConfig):
    name = "tousu.mailgate"
    label = "mailgate"
