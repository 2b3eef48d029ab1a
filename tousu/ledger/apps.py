from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tousu.ledger"
    label = "ledger"
