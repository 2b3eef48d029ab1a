"""Background jobs (SPEC §14): in-process by default, Redis-backed workers at scale.

Two periodic jobs: the deadline scan, and the anchoring of the audit chains' heads outside the
database (``events.anchor_heads``). Both are idempotent by themselves (the database refuses a
second notification for the same due date; a head already anchored is not written again, and the
anchor file is locked while it is appended to); the Redis locks only keep several workers from
doing the same work at the same time.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any, Callable

from django.db import close_old_connections, connections

log = logging.getLogger(__name__)
LOCK_KEY = "tousu:deadline-scan"
ANCHOR_LOCK_KEY = "tousu:audit-anchor"


def run_scan() -> Any:
    """The deadline scan, then the housekeeping that rides on its schedule."""
    from tousu.complaints.services.timekeeping import scan_deadlines

    close_old_connections()
    try:
        result = scan_deadlines()
        tidy()
        return result
    finally:
        close_old_connections()


def tidy() -> None:
    """Delete what has expired: login failures past the throttle's window, and server-side
    sessions past their age (logout deletes its own; abandoned ones stay until here)."""
    from django.contrib.sessions.backends.db import SessionStore

    from tousu.accounts import throttle

    throttle.prune()
    SessionStore.clear_expired()


def run_anchor() -> Any:
    from tousu.complaints.events import anchor_heads

    close_old_connections()
    try:
        return anchor_heads()
    finally:
        close_old_connections()


def run_forever(job: Callable[[], Any], name: str, interval: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(interval):
            try:
                log.info("%s: %s", name, job())
            except Exception:  # noqa: BLE001 — a failed run is retried at the next interval
                log.exception("%s failed", name)
    finally:
        connections.close_all()  # this thread's own connections: none is left open behind it


def run_scans_forever(interval: int, stop: threading.Event) -> None:
    run_forever(run_scan, "deadline scan", interval, stop)


def start_in_process(interval: int, anchor_interval: int = 0) -> threading.Event | None:
    """Run the deadline scan every ``interval`` seconds and the anchoring every ``anchor_interval``
    seconds, each in a daemon thread; 0 disables a job. Returns the event that stops both."""
    if interval <= 0 and anchor_interval <= 0:
        return None
    stop = threading.Event()
    if interval > 0:
        threading.Thread(target=run_forever, args=(run_scan, "deadline scan", interval, stop), name="tousu-jobs",
                         daemon=True).start()
    if anchor_interval > 0:
        threading.Thread(target=run_forever, args=(run_anchor, "audit anchor", anchor_interval, stop),
                         name="tousu-anchor", daemon=True).start()
    return stop


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=10)


def _if_turn(client: Any, key: str, interval: int, job: Callable[[], Any]) -> Any:
    token = uuid.uuid4().hex
    if not client.set(key, token, nx=True, px=max(interval, 1) * 1000):
        return None
    return job()


def run_scan_if_turn(client: Any, interval: int) -> Any:
    """One worker tick: take the scan lock for one interval, or let another worker have its turn.

    Returns the scan's result, or None when another worker holds the lock."""
    return _if_turn(client, LOCK_KEY, interval, run_scan)


def run_anchor_if_turn(client: Any, interval: int) -> Any:
    """Anchor the chains' heads if no other worker did in the last ``interval`` seconds."""
    return _if_turn(client, ANCHOR_LOCK_KEY, interval, run_anchor)


def work_forever(url: str, interval: int, stop: threading.Event, anchor_interval: int = 0) -> None:
    client = redis_client(url)
    active = [i for i in (interval, anchor_interval) if i > 0]
    tick = max(min(active) // 4, 1) if active else 1
    while True:
        for name, every, job in (("deadline scan", interval, run_scan_if_turn),
                                 ("audit anchor", anchor_interval, run_anchor_if_turn)):
            if every <= 0:
                continue
            try:
                result = job(client, every)
                if result is not None:
                    log.info("%s: %s", name, result)
            except Exception:  # noqa: BLE001 — Redis or the database away: try again next tick
                log.exception("worker tick failed (%s)", name)
        if stop.wait(tick):
            return
