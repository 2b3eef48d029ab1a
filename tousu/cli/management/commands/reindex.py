"""``tousu reindex``: (re)build the full-text search index of every complaint (tousu.search), in
batches with a progress bar. An interrupted run resumes where it stopped; ``--restart`` starts
over. Needed once for a database whose complaints were written before the index existed (its
migration leaves it empty); new complaints are indexed as they are registered or imported."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from tqdm import tqdm

from tousu.search import index, rebuild


class Command(BaseCommand):
    help = "Rebuild the full-text search index of complaints (resumes an interrupted run)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="complaints per transaction (2000)")
        parser.add_argument("--restart", action="store_true", help="start over instead of resuming")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        size = options["batch"]
        if not 1 <= size <= 50_000:
            raise CommandError(f"--batch must be between 1 and 50,000, not {size}")
        try:
            run = rebuild.current(restart=options["restart"])
            todo = rebuild.remaining(run)
        except DatabaseError as exc:
            raise CommandError(f"the database is not ready ({exc}): run 'tousu migrate' first") from None
        if run.done:
            self.stdout.write(f"resuming after complaint id {run.done:,}: {todo:,} complaints left")
        progress = (
            None
            if options["no_progress"] or not options["verbosity"]
            else tqdm(total=todo, unit="complaint", unit_scale=True, desc="reindex", file=sys.stderr, mininterval=0.5)
        )
        started = time.monotonic()
        try:
            rebuild.advance(run, batch=size, each=progress.update if progress is not None else None)
        finally:
            if progress is not None:
                progress.close()
        seconds = max(time.monotonic() - started, 1e-6)
        self.stdout.write(
            f"indexed {todo:,} complaints in {seconds:.1f} s ({todo / seconds:,.0f}/s); the index holds {index.count():,}"
        )
