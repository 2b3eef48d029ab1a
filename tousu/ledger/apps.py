from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tousu.ledger"
    label = "ledger"

    def ready(self) -> None:
        from tousu.ledger import tasks  # noqa: F401  (registers the ledger's tasks with the queue)
