"""``tousu worker``: a Redis-backed background worker (set TOUSU_REDIS_URL). Run several, on any
machines: they take turns, so each scan runs once per interval."""
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tousu.complaints.jobs import redis_client, work_forever


class Command(BaseCommand):
    help = "Run background jobs (the deadline scan) from Redis; needs TOUSU_REDIS_URL."

    def add_arguments(self, parser):  # noqa: ANN001, ANN201
        parser.add_argument("--interval", type=int, default=None, help="seconds between scans")

    def handle(self, *args, **options):  # noqa: ANN001, ANN201
        url = settings.TOUSU_REDIS_URL
        if not url:
            raise CommandError("TOUSU_REDIS_URL is not set: without Redis, `tousu serve` runs the jobs itself")
        try:
            redis_client(url).ping()
        except Exception as err:  # noqa: BLE001
            raise CommandError(f"cannot reach Redis at {url}: {err}") from None
        interval = options["interval"] or settings.TOUSU_SCAN_INTERVAL_SECONDS or 300
        self.stdout.write(f"tousu worker: deadline scan every {interval}s via {url} (Ctrl-C stops)")
        try:
            work_forever(url, interval, threading.Event())
        except KeyboardInterrupt:
            self.stdout.write("stopped")
