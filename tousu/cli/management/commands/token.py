"""``tousu token USERNAME``: issue a bearer token for the API and print it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API bearer token for USERNAME."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        self.stdout.write(ApiToken.issue(user, options["label"]))
