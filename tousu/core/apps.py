from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tousu.core"
    label = "core"

    def ready(self) -> None:
        from tousu.core import checks  # noqa: F401  (registers the deploy checks)
