"""Background jobs (SPEC §14): in a web worker of `tousu serve` by default, Redis-backed workers at scale.

Two periodic jobs: the deadline scan (with the e-mail retries and the housekeeping that ride on
its schedule), and the anchoring of the audit chains' heads outside the database
(``audit.anchor_heads``). Both are idempotent by themselves (the database refuses a second
notification for the same due date; an e-mail is taken by one sender before it is sent; a head
already anchored is not written again, and the anchor file is locked while it is appended to); the
locks here only keep several processes from doing the same work at the same time.

Under `tousu serve` they run in one web worker at a time — never in gunicorn's master, whose
threads would not survive the fork and whose copies would run in every worker — chosen by an
exclusive ``flock`` on a file in DATA_DIR (``start_in_worker``). With TOUSU_REDIS_URL set, `tousu
worker` processes run them instead, taking turns through a Redis lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import close_old_connections, connections

log = logging.getLogger(__name__)
LOCK_KEY = "tousu:deadline-scan"
ANCHOR_LOCK_KEY = "tousu:audit-anchor"
HOUSEKEEPING_KEY = "tousu:housekeeping"


def run_scan() -> Any:
    """The deadline scan, then the work that rides on its schedule: e-mails due for another
    attempt, and the housekeeping. Returns the scan's result."""
    from tousu.complaints import notify
    from tousu.complaints.preset import refresh
    from tousu.complaints.services.timekeeping import scan_deadlines

    close_old_connections()
    try:
        refresh()  # the preset an administrator may have revised since the last run
        result = scan_deadlines()
        retried = notify.retry_emails()
        if retried:
            log.info("e-mail retry [pid %d]: %d sent", os.getpid(), retried)
        poll_mailbox()
        deliver_mail()
        grade_unsolved()
        finalise_sanctions()
        verify_rectifications()
        deem_partner_inquiries()
        draft_reports()
        tidy()
        return result
    finally:
        close_old_connections()


def poll_mailbox() -> None:
    """The e-mail gateway's mailbox (tousu.mailgate.imap), when TOUSU_IMAP_HOST is set; a mailbox
    that cannot be reached is logged and never stops the scan's other work."""
    from django.conf import settings

    if not settings.TOUSU_IMAP_HOST:
        return
    from tousu.mailgate.imap import poll

    _alongside("mailbox poll", poll)


def _alongside(label: str, work: Callable[[], Any]) -> None:
    """One piece of the work that rides on the scan's schedule: what it did is logged when it did
    anything (a count, or counts by kind); a failure is logged and never stops the scan's other work."""
    try:
        done = work()
    except Exception:
        log.exception("%s failed", label)
        return
    if done and (not isinstance(done, dict) or any(done.values())):
        log.info("%s [pid %d]: %s", label, os.getpid(), done)


def deliver_mail() -> None:
    """Mail to complainants due for another attempt (tousu.mailgate.outbox)."""
    from tousu.mailgate.outbox import deliver_due

    _alongside("complainant mail sent", deliver_due)


def grade_unsolved() -> None:
    """The grading rules that fire with time (tousu.detection: a month without a solution)."""
    from tousu.detection.grading import grade_unsolved as fire

    _alongside("complaints regraded for want of a solution", fire)


def finalise_sanctions() -> None:
    """Confirmed sanctions nobody appealed within the window take effect (tousu.accountability)."""
    from tousu.accountability.sanctions import finalise_due

    _alongside("sanctions taking effect", finalise_due)


def verify_rectifications() -> None:
    """The rectifications whose verification window ended clean pass, recurrences fail
    (tousu.capa.verification)."""
    from tousu.capa.verification import verify_due

    _alongside("rectification verification", verify_due)


def deem_partner_inquiries() -> None:
    """Partner inquiries not answered in time are deemed established (seed 002-18), and new
    complaints naming a partner attributed to it (tousu.partners.services.scan)."""
    from tousu.partners.services import scan

    _alongside("partners' scan", scan)


def draft_reports() -> None:
    """The drafts of the periodic reports whose period has just ended, once each (tousu.reports)."""
    from tousu.reports.services import draft_due

    _alongside("periodic report drafts", draft_due)


def tidy() -> None:
    """Delete what has expired: login failures past the throttle's window, and server-side
    sessions past their age (logout deletes its own; abandoned ones stay until here); once a day
    (a cache key, shared where the cache is), the rows past their keeping time (``housekeeping``)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.cache import cache

    from tousu.accounts import throttle

    throttle.prune()
    SessionStore.clear_expired()
    if cache.add(HOUSEKEEPING_KEY, os.getpid(), timeout=24 * 3600):
        log.info("housekeeping [pid %d]: %s", os.getpid(), housekeeping())


def housekeeping() -> dict[str, int]:
    """Each app deletes its own rows past their keeping time: Idempotency-Keys, the portal's wrong
    query codes, mail sent to complainants, ledger exports and their files. Returns how many rows of
    each went."""
    from tousu.complaints import idempotency
    from tousu.ledger.exports import expire
    from tousu.mailgate.outbox import purge_sent
    from tousu.portal.housekeeping import purge_code_failures

    return {
        "idempotency_keys": idempotency.purge(),
        "portal_code_failures": purge_code_failures(),
        "sent_mail": purge_sent(),
        "ledger_exports": expire(),
    }


def run_anchor() -> Any:
    from tousu.complaints.audit import anchor_heads

    close_old_connections()
    try:
        return anchor_heads()
    finally:
        close_old_connections()


def run_forever(job: Callable[[], Any], name: str, interval: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(interval):
            try:
                log.info("%s [pid %d]: %s", name, os.getpid(), job())
            except Exception:
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
        threading.Thread(
            target=run_forever, args=(run_scan, "deadline scan", interval, stop), name="tousu-jobs", daemon=True
        ).start()
    if anchor_interval > 0:
        threading.Thread(
            target=run_forever,
            args=(run_anchor, "audit anchor", anchor_interval, stop),
            name="tousu-anchor",
            daemon=True,
        ).start()
    return stop


# The lock file's descriptor, open (and the lock held) for the rest of the worker's life.
_held: int | None = None


def start_in_worker(lock_path: Path, interval: int, anchor_interval: int = 0) -> None:
    """In a web worker (gunicorn's ``post_worker_init``): run the jobs as ``start_in_process`` does,
    while this process holds an exclusive ``flock`` on ``lock_path``. A thread waits for the lock:
    the first worker to take it runs the jobs for as long as it lives; when it exits or is killed
    the kernel drops its lock, and one of the waiting workers (or the master's replacement for the
    dead one) takes over. So one process per DATA_DIR runs them, however many workers there are."""
    if interval <= 0 and anchor_interval <= 0:
        return

    def take_lock_then_run() -> None:
        global _held
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits (without the GIL) while another process holds it
        _held = fd
        # The holder's pid, for the operator (the lock itself is the flock, not the content).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        log.info("background jobs [pid %d]: this worker runs them", os.getpid())
        start_in_process(interval, anchor_interval)
        from tousu.core.tasks import start_embedded

        start_embedded()  # and the task queue's consumer (exports, reports)

    threading.Thread(target=take_lock_then_run, name="tousu-jobs-lock", daemon=True).start()


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
        for name, every, job in (
            ("deadline scan", interval, run_scan_if_turn),
            ("audit anchor", anchor_interval, run_anchor_if_turn),
        ):
            if every <= 0:
                continue
            try:
                result = job(client, every)
                if result is not None:
                    log.info("%s [pid %d]: %s", name, os.getpid(), result)
            except Exception:
                log.exception("worker tick failed (%s)", name)
        if stop.wait(tick):
            return
