from django.apps import AppConfig


class ReplycheckConfig(AppConfig):
    name = "tousu.replycheck"
    label = "replycheck"
    verbose_name = "答复质量检查"
