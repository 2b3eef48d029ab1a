"""``tousu worker``: a job worker on Redis (set TOUSU_REDIS_URL). Run several, on any machines: each
runs the task queue's consumer (ledger exports, reports) and its scheduler of the periodic jobs
(tousu.complaints.jobs: the deadline scan, mail, the audit anchoring …); a scheduler claims each
period in Redis before enqueueing it, so every job runs once per period however many workers run.
With Redis set, `tousu serve` runs none of them: start at least one worker.
Each worker anchors to its own machine's TOUSU_AUDIT_ANCHOR_FILE: point it at shared storage, or
ship every machine's file off it."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Run the task queue's consumer and the periodic jobs (deadline scan, mail, audit anchoring …) "
        "from Redis; needs TOUSU_REDIS_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, default=2, help="threads running the queue's tasks")

    def handle(self, *args: Any, **options: Any) -> None:
        import redis

        url = settings.TOUSU_REDIS_URL
        if not url:
            raise CommandError("TOUSU_REDIS_URL is not set: without Redis, `tousu serve` runs the jobs itself")
        if options["tasks"] < 1:
            raise CommandError("--tasks must be at least 1")
        try:
            redis.Redis.from_url(url, socket_timeout=10).ping()
        except Exception as err:
            raise CommandError(f"cannot reach Redis at {url}: {err}") from None
        from tousu.core.tasks import run_consumer

        self.stdout.write(
            f"tousu worker: {options['tasks']} task thread(s), deadline scan every "
            f"{settings.TOUSU_SCAN_INTERVAL_SECONDS}s, audit anchor every {settings.TOUSU_ANCHOR_INTERVAL_SECONDS}s "
            f"(0: off), via {url} (Ctrl-C stops)"
        )
        self.stdout.flush()
        run_consumer(options["tasks"])
        self.stdout.write("stopped")
