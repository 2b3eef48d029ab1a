"""``tousu token``: API tokens (tousu.accounts.tokens).

    tousu token create USER [--scope read,write] [--expires 90d|12w|never] [--label X]
    tousu token list [USER] [--all]
    tousu token revoke ID

``create`` prints the key, once (only its digest is stored). The older form ``tousu token USER
[--label X]`` still works and is ``create`` with the defaults.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tousu.accounts import tokens
from tousu.core.errors import TousuError

ACTIONS = ("create", "list", "revoke")


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = (
        "API tokens: `token create USER [--scope read,write,export,admin] [--expires 30d|never] [--label X]`, "
        "`token list [USER] [--all]`, `token revoke ID`. The key is printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("words", nargs="+", metavar="ACTION ARG", help="create USER | list [USER] | revoke ID")
        parser.add_argument("--scope", default=",".join(tokens.DEFAULT_SCOPES), help="default: read,write")
        parser.add_argument("--expires", default="", help="30d, 12w or never (default: TOUSU_TOKEN_DAYS days)")
        parser.add_argument("--label", default="cli")
        parser.add_argument("--all", action="store_true", help="list: also expired and revoked tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        words: list[str] = options["words"]
        action, rest = (words[0], words[1:]) if words[0] in ACTIONS else ("create", words)
        try:
            if action == "create":
                self._create(rest, options)
            elif action == "list":
                self._list(rest, options)
            else:
                self._revoke(rest)
        except TousuError as err:
            raise CommandError(err.message) from None

    def _create(self, rest: list[str], options: dict[str, Any]) -> None:
        if len(rest) != 1:
            raise CommandError("usage: tousu token create USER [--scope …] [--expires …] [--label …]")
        days: int | None = None  # TOUSU_TOKEN_DAYS
        if options["expires"]:
            days = tokens.parse_expiry(options["expires"]) or 0  # None, "never", is 0 for create()
            if days == 0:
                self.stderr.write("warning: this token never expires; revoke it when it is no longer needed")
        scopes = tokens.parse_scopes(options["scope"])
        try:
            token, key = tokens.create(actor=None, username=rest[0], scopes=scopes, days=days, label=options["label"])
        except TousuError as err:
            if err.data.get("field") == "user":
                raise CommandError(f"no active user {rest[0]!r}") from None
            raise
        self.stderr.write(
            f"token {token.pk} for {token.user.username}: scopes {token.scopes}, "
            f"expires {_when(token.expires_at) if token.expires_at else 'never'}"
        )
        self.stdout.write(key)

    def _list(self, rest: list[str], options: dict[str, Any]) -> None:
        if len(rest) > 1:
            raise CommandError("usage: tousu token list [USER] [--all]")
        rows = tokens.list_tokens(actor=None, username=rest[0] if rest else None, everything=options["all"])
        self.stdout.write(
            f"{'ID':>6}  {'USER':<16} {'LABEL':<20} {'SCOPES':<24} {'STATE':<8} "
            f"{'CREATED':<16} {'EXPIRES':<16} LAST USED"
        )
        for token in rows:
            row = tokens.token_row(token)
            self.stdout.write(
                f"{row['id']:>6}  {row['user']:<16} {row['label'][:20]:<20} {','.join(row['scopes']):<24} "
                f"{row['state']:<8} {_when(row['created_at']):<16} {_when(row['expires_at']) if row['expires_at'] else 'never':<16} "
                f"{_when(row['last_used_at'])}"
            )

    def _revoke(self, rest: list[str]) -> None:
        if len(rest) != 1 or not rest[0].isdigit():
            raise CommandError("usage: tousu token revoke ID (the ID from `tousu token list`)")
        token = tokens.revoke(actor=None, token_id=int(rest[0]))
        self.stdout.write(f"token {token.pk} ({token.user.username}, {token.label or '-'}) revoked")
