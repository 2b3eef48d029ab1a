"""``tousu calendar-import FILE``: import a year's holiday schedule (CSV or ICS) and recompute the
due dates it settles."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.services.timekeeping import import_holiday_schedule
from tousu.core.errors import TousuError


class Command(BaseCommand):
    help = "Import a holiday schedule (CSV: date,休/班[,name]; or ICS) and recompute provisional dues."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "ics"], help="default: from the file's extension")
        parser.add_argument("--source", default="", help="e.g. 国务院办公厅关于2027年部分节假日安排的通知")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as err:
            raise CommandError(f"cannot read {path}: {err}") from None
        fmt = options["format"] or ("ics" if path.suffix.lower() == ".ics" else "csv")
        try:
            result = import_holiday_schedule(actor=None, text=text, fmt=fmt, source=options["source"] or path.name)
        except TousuError as err:
            raise CommandError(f"{path}: {err.message}; nothing was imported") from None
        self.stdout.write(
            f"imported {result.days} days for {', '.join(map(str, result.years))}; "
            f"{result.recomputed} complaint(s) had their due dates recomputed"
        )
