"""``tousu seed --count N``: generated complaints with their whole histories, for benchmarks (needs
``tousu init --preset government --demo``). ``tousu.cli.seeding`` makes them up; ``complaints.bulk``
writes them as the services do, ``--batch`` at a time, one transaction each (``tousu verify-audit``
passes after every batch), while a forked child generates the next ones (``--sequential``: not)."""

from __future__ import annotations

import gc
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from tousu.cli.seeding import INIT_HINT, Generator
from tousu.complaints import bulk
from tousu.complaints.events import audit_key
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.core.errors import ValidationFailed

LIMITS = {"count": (1, 10_000_000), "years": (1, 20), "batch": (1, 50_000), "callers": (0, 10_000_000)}
LOADING = ("synchronous=OFF", "cache_size=-1048576", "mmap_size=17179869184", "temp_store=MEMORY")
LOADED = ("synchronous=NORMAL", "cache_size=-2000", "mmap_size=0", "temp_store=DEFAULT", "wal_checkpoint(TRUNCATE)")


class Command(BaseCommand):
    help = "Add N generated complaints with their full, hash-chained history (for benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="how many complaints to add")
        parser.add_argument("--years", type=int, default=3, help="spread over the last N years (3)")
        parser.add_argument("--batch", type=int, default=5000, help="complaints per transaction (5000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
        parser.add_argument(
            "--callers", type=int, default=0, help="distinct callers to draw from (default: count/5, 1,000 to 200,000)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--sequential",
            action="store_true",
            help="generate and write in one process (default: a child process generates)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name, (low, top) in LIMITS.items():
            if not low <= options[name] <= top:
                raise CommandError(f"--{name} must be between {low} and {top:,}, not {options[name]}")
        count, size = options["count"], options["batch"]
        try:
            gen = Generator(
                now=timezone.now(),
                years=options["years"],
                count=count,
                seed=options["seed"],
                callers=options["callers"] or min(max(count // 5, 1000), 200_000),
            )
            first_id = Complaint.objects.aggregate(m=Max("id"))["m"] or 0
        except DatabaseError as exc:
            raise CommandError(f"the database is not ready ({exc}): {INIT_HINT}") from None
        rng = random.Random(f"{options['seed']}:{first_id}")
        audit_key()  # read (or, in development, made) once, before the generating child is forked
        # The last batch holds the most recent complaints: every status occurs in it.
        jobs = [
            (first, min(size, count - first), list(Status.values) if first + size >= count else [])
            for first in range(0, count, size)
        ]
        # A child process generates (Python-bound) while this one writes (database-bound); inside a
        # transaction (tests) or with --sequential everything stays in this process.
        parallel = not options["sequential"] and not connection.in_atomic_block and len(jobs) > 1
        batches = bulk.prepared_ahead(lambda: _generated(gen, rng, jobs)) if parallel else _generated(gen, rng, jobs)
        # A repeat links back one repeat window at most: far fewer complaints than this.
        writer, events, statuses = bulk.Writer(remember=200_000, planned=True), 0, Counter[str]()
        progress = (
            None
            if options["no_progress"] or not options["verbosity"]
            else tqdm(total=count, unit="complaint", unit_scale=True, desc="seed", file=sys.stderr, mininterval=0.5)
        )
        started, collecting = time.monotonic(), gc.isenabled()
        # Millions of short-lived rows and hardly a reference cycle: the collector would walk them
        # over and over (a tenth of the run); the young ones are collected once a batch instead.
        gc.disable()
        self.pragmas(LOADING)
        try:
            for batch, seen in batches:
                writer.write(batch)
                events += len(batch.events)
                statuses.update(seen)
                gc.collect(0)
                if progress is not None:
                    progress.update(len(batch))
        except (ValidationFailed, RuntimeError) as exc:
            raise CommandError(f"{exc}: {getattr(exc, 'data', {}).get('problems', [])[:5]}") from None
        finally:
            if collecting:
                gc.enable()
            if progress is not None:
                progress.close()
            self.pragmas(LOADED)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"seeded {count:,} complaints, {events:,} events in {seconds:.1f} s: {count / seconds:,.0f} complaints/s"
        )
        if options["verbosity"] > 1:
            self.stdout.write("states: " + ", ".join(f"{s} {statuses[s]}" for s in Status.values))
            self.stdout.write("write seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in writer.seconds.items()))

    def pragmas(self, pragmas: tuple[str, ...]) -> None:
        """SQLite while loading: no fsync per batch and a big cache (WAL mode stays); then back."""
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                for pragma in pragmas:
                    cursor.execute(f"PRAGMA {pragma}")


def _generated(
    gen: Generator, rng: random.Random, jobs: list[tuple[int, int, list[str]]]
) -> Iterator[tuple[bulk.Batch, Counter[str]]]:
    """Each batch of the run, encoded, with the statuses it ends in (no database access)."""
    for first, n, force in jobs:
        items = gen.batch(rng, first, n, force)
        yield bulk.prepare(items), Counter(item.fields["status"] for item in items)
        gc.collect(0)
