"""``tousu retention``: anonymise the complainants' identity of the complaints archived longer ago
than the preset's ``retention.anonymise_after_years`` (tousu.archive.retention). A dry run unless
``--apply``; ``--dry-run`` is accepted for clarity. Logged in the administration log."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from tousu.archive import retention


class Command(BaseCommand):
    help = "Anonymise complainants' identity N years after archiving (a dry run unless --apply)."

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--dry-run", action="store_true", help="list what would be anonymised (the default)")
        mode.add_argument("--apply", action="store_true", help="anonymise")
        parser.add_argument("--limit", type=int, default=None, help="at most this many complaints")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError(f"--limit must be at least 1, not {limit}")
        try:
            years, cutoff, query = retention.due()
            todo = query.count() if limit is None else min(limit, query.count())
        except DatabaseError as err:
            raise CommandError(f"the database is not ready ({err}): run 'tousu migrate' first") from None
        if years is None:
            self.stdout.write("the preset keeps the complainants' identity (retention.anonymise_after_years: null)")
            return
        assert cutoff is not None
        self.stdout.write(f"archived before {cutoff:%Y-%m-%d} ({years} years): {todo:,} complaints to anonymise")
        if not options["apply"]:
            outcome = retention.run(dry_run=True, limit=limit)
            for number in outcome.numbers:
                self.stdout.write(f"  {number}")
            self.stdout.write(f"dry run: {outcome.complainants:,} complainants; nothing changed (--apply to do it)")
            return
        progress = (
            None
            if options["no_progress"] or not options["verbosity"] or not todo
            else tqdm(total=todo, unit="complaint", desc="retention", file=sys.stderr)
        )
        try:
            outcome = retention.run(dry_run=False, limit=limit, each=progress.update if progress else None)
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(
            f"anonymised {len(outcome.numbers):,} complaints ({outcome.complainants:,} complainants); "
            "logged in the administration log"
        )
