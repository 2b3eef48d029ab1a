from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "tousu.letters"
    label = "letters"
