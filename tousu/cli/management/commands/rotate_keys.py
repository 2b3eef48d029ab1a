"""``tousu rotate-keys``: re-encrypt the personal data under the current PII key (the first of
TOUSU_PII_KEYS), in batches with a progress bar; resumable (a stopped run is run again: what is
done is skipped). ``--dry-run`` counts what is left. docs/operations.md, "Personal data"."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from tousu.core import crypto, keyrotation


class Command(BaseCommand):
    help = "Re-encrypt personal data under the current PII key (resumable; --dry-run counts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count the values left, change nothing")
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (1000)")
        parser.add_argument("--max-batches", type=int, default=None, help="stop after this many batches")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        size, limit = options["batch"], options["max_batches"]
        if not 1 <= size <= 50_000:
            raise CommandError(f"--batch must be between 1 and 50,000, not {size}")
        if limit is not None and limit < 1:
            raise CommandError(f"--max-batches must be at least 1, not {limit}")
        try:
            current = crypto.ring().current.id
            todo = keyrotation.count()
        except ImproperlyConfigured as err:
            raise CommandError(str(err)) from None
        except DatabaseError as err:
            raise CommandError(f"the database is not ready ({err}): run 'tousu migrate' first") from None
        self.stdout.write(f"current key: {current}; {todo.values:,} values in {todo.rows:,} rows to re-encrypt")
        for column, n in todo.by_column.items():
            if n:
                self.stdout.write(f"  {column}: {n:,}")
        if options["dry_run"] or not todo.rows:
            return
        progress = (
            None
            if options["no_progress"] or not options["verbosity"]
            else tqdm(total=todo.rows, unit="row", unit_scale=True, desc="rotate-keys", file=sys.stderr)
        )
        try:
            report = keyrotation.rotate(
                batch=size, max_batches=limit, each=progress.update if progress is not None else None
            )
        except crypto.PIIKeyError as err:
            raise CommandError(f"{err} Nothing of that batch was written; fix the keys and run again.") from None
        finally:
            if progress is not None:
                progress.close()
        self.stdout.write(
            f"re-encrypted {report.values:,} values in {report.rows:,} rows in {report.seconds:.1f} s; "
            + ("every value is under key " + current if report.finished else "stopped early: run again to resume")
        )
