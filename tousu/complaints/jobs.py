"""Background jobs (SPEC §14): in-process by default, Redis-backed workers at scale.

The only periodic job today is the deadline scan. It is idempotent by itself (the database
refuses a second notification for the same due date); the Redis lock only keeps several workers
from doing the same work at the same time.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

from django.db import close_old_connections

log = logging.getLogger(__name__)
LOCK_KEY = "tousu:deadline-scan"


def run_scan() -> Any:
    from tousu.complaints.services.timekeeping import scan_deadlines

    close_old_connections()
    try:
        return scan_deadlines()
    finally:
        close_old_connections()


def run_scans_forever(interval: int, stop: threading.Event) -> None:
    while not stop.wait(interval):
        try:
            log.info("deadline scan: %s", run_scan())
        except Exception:  # noqa: BLE001 — a failed scan is retried at the next interval
            log.exception("deadline scan failed")


def start_in_process(interval: int) -> threading.Event | None:
    """Run the deadline scan every ``interval`` seconds in a daemon thread; 0 disables it."""
    if interval <= 0:
        return None
    stop = threading.Event()
    threading.Thread(target=run_scans_forever, args=(interval, stop), name="tousu-jobs", daemon=True).start()
    return stop


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=10)


def run_scan_if_turn(client: Any, interval: int) -> Any:
    """One worker tick: take the scan lock for one interval, or let another worker have its turn.

    Returns the scan's result, or None when another worker holds the lock."""
    token = uuid.uuid4().hex
    if not client.set(LOCK_KEY, token, nx=True, px=max(interval, 1) * 1000):
        return None
    return run_scan()


def work_forever(url: str, interval: int, stop: threading.Event) -> None:
    client = redis_client(url)
    while True:
        try:
            result = run_scan_if_turn(client, interval)
            if result is not None:
                log.info("deadline scan: %s", result)
        except Exception:  # noqa: BLE001 — Redis or the database away: try again next tick
            log.exception("worker tick failed")
        if stop.wait(max(interval // 4, 1)):
            return
