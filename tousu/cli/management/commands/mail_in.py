"""``tousu mail-in``: one RFC 822 message on stdin (an MTA's pipe) registered as a complaint, or
added to the complaint whose number its subject carries; ``--imap`` polls the mailbox once.

Exit codes as an MTA reads them (sysexits.h): 0 accepted (a duplicate included), 65 EX_DATAERR
refused — the MTA bounces it, with the reason on stderr —, 75 EX_TEMPFAIL for a passing failure
(another process is handling the same message, the database is away): the MTA delivers it again
later. Never a traceback.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.mailgate import imap
from tousu.mailgate.gateway import Busy, Refused, receive
from tousu.mailgate.models import MailMessage

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Register the e-mail on stdin as a complaint, or add it to the complaint its subject names."
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--imap", action="store_true", help="poll the TOUSU_IMAP_* mailbox once instead of reading stdin"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["imap"]:
            self._poll()
            return
        stream = options.get("stdin") or sys.stdin.buffer
        try:
            raw = stream.read()
            received = receive(raw, source=MailMessage.Source.PIPE)
        except Refused as err:
            raise CommandError(f"邮件被拒收：{err.message}", returncode=EX_DATAERR) from None
        except Busy as err:
            raise CommandError(str(err), returncode=EX_TEMPFAIL) from None
        except Exception as err:  # an MTA must see a temporary failure, not a traceback
            raise CommandError(f"暂时无法处理：{type(err).__name__}: {err}", returncode=EX_TEMPFAIL) from None
        self.stdout.write(received.message)
        for warning in received.warnings:
            self.stderr.write(warning)

    def _poll(self) -> None:
        from django.conf import settings

        if not settings.TOUSU_IMAP_HOST:
            raise CommandError("TOUSU_IMAP_HOST 未设置，无法收取邮箱。")
        result = imap.poll()
        self.stdout.write(str(result))
        if result.errors and not result.fetched:
            raise CommandError("; ".join(result.errors), returncode=EX_TEMPFAIL)
