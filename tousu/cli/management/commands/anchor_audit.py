"""``tousu anchor-audit``: append the heads of the audit chains that changed since the last anchor
to the anchor file (idempotent; the server and the workers also run it periodically)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tousu.complaints.audit import anchor_heads


class Command(BaseCommand):
    help = "Anchor the heads of the changed audit chains in the append-only anchor file; safe to repeat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="anchor every chain's head, not only those changed since the last anchor "
            "(after `tousu seed`, whose events are dated in the past)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = anchor_heads(full=options["all"])
        if result.heads:
            self.stdout.write(f"anchored {result.heads} chain head(s) in {result.lines} line(s) of {result.path}")
        else:
            self.stdout.write(f"nothing new to anchor ({result.path})")
