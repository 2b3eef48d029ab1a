from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tousu.search"
    label = "search"
