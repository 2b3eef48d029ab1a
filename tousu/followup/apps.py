from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "tousu.followup"
    label = "followup"
    verbose_name = "答复与回访"
