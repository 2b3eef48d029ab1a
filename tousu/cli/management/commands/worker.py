"""``tousu worker``: a Redis-backed background worker (set TOUSU_REDIS_URL). Run several, on any
machines: they take turns, so the deadline scan (with the e-mail retries and the housekeeping that
ride on it) and the audit anchoring each run once per interval. With Redis set, `tousu serve` runs
none of them: start at least one worker.
Each worker anchors to its own machine's TOUSU_AUDIT_ANCHOR_FILE: point it at shared storage, or
ship every machine's file off it.
Each worker also takes tasks off the queue (tousu.core.tasks: ledger exports, reports) from Redis."""

import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.complaints.jobs import redis_client, work_forever


class Command(BaseCommand):
    help = (
        "Run background jobs (the deadline scan and e-mail retries, the audit anchoring) from Redis; "
        "needs TOUSU_REDIS_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=int, default=None, help="seconds between scans")
        parser.add_argument(
            "--anchor-interval",
            type=int,
            default=None,
            help="seconds between audit anchors (TOUSU_ANCHOR_INTERVAL_SECONDS; 0: none)",
        )
        parser.add_argument("--tasks", type=int, default=2, help="threads taking the queue's tasks (exports, reports)")

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.TOUSU_REDIS_URL
        if not url:
            raise CommandError("TOUSU_REDIS_URL is not set: without Redis, `tousu serve` runs the jobs itself")
        try:
            redis_client(url).ping()
        except Exception as err:
            raise CommandError(f"cannot reach Redis at {url}: {err}") from None
        interval = options["interval"] or settings.TOUSU_SCAN_INTERVAL_SECONDS or 300
        anchor = options["anchor_interval"]
        anchor = settings.TOUSU_ANCHOR_INTERVAL_SECONDS if anchor is None else anchor
        anchoring = f", audit anchor every {anchor}s" if anchor > 0 else ", no audit anchoring"
        self.stdout.write(f"tousu worker: deadline scan every {interval}s{anchoring} via {url} (Ctrl-C stops)")
        from tousu.core.tasks import start_embedded

        start_embedded(workers=options["tasks"])  # the task queue's consumer: exports, reports
        try:
            work_forever(url, interval, threading.Event(), anchor_interval=anchor)
        except KeyboardInterrupt:
            self.stdout.write("stopped")
