"""Background jobs (SPEC §14): periodic tasks on the task queue (``tousu.core.tasks``, huey).

Each job is its own task, so one that fails never stops the others: the deadline scan, the e-mail
retries, mail to complainants, the mailbox poll, the grading that fires with time, sanctions taking
effect, CAPA verification, the partners' scan, report drafts, tidying, the daily housekeeping and
the anchoring of the audit chains' heads outside the database. Each runs under its own lock, is
retried twice 30 s apart, and leaves a dead letter (``core.DeadLetter``) when it still fails.

Each is idempotent by itself, so a run repeated after a worker died half-way does no work twice:
the database refuses a second notification for the same due date (a unique constraint), an e-mail
and a complainant's mail are each claimed by one sender before they are sent, a report is drafted only
if its kind and period have none yet, a sanction takes effect and a rectification is verified under
a row lock that rechecks its status, a grading rule fires once per complaint (a record of it), and
a head already anchored is not written again (the anchor file is locked while it is appended to).

Where they run: under `tousu serve` without Redis, in one web worker at a time — never in
gunicorn's master, whose threads would not survive the fork — chosen by an exclusive ``flock`` on a
file in DATA_DIR (``start_in_worker``): that worker runs the queue's consumer with its scheduler on
the SQLite queue. With TOUSU_REDIS_URL set, `tousu worker` processes run the consumer and scheduler
(each scheduler claims a period before enqueueing it, so a job runs once per period however many
workers there are) and `tousu serve` runs none.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from tousu.core.tasks import fresh_connections, periodic

log = logging.getLogger(__name__)
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
    query codes, mail sent to complainants, ledger exports and their files; and the complainants'
    identity of the cases archived longer than the preset keeps it (``archive.retention``, at most
    RETENTION_BATCH a day: a backlog goes day by day). Returns how many of each went."""
    from tousu.archive import retention
    from tousu.complaints import idempotency
    from tousu.ledger.exports import expire
    from tousu.mailgate.outbox import purge_sent
    from tousu.portal.housekeeping import purge_code_failures

    return {
        "idempotency_keys": idempotency.purge(),
        "portal_code_failures": purge_code_failures(),
        "sent_mail": purge_sent(),
        "ledger_exports": expire(),
        "anonymised": len(retention.run(dry_run=False, limit=RETENTION_BATCH).numbers),
    }


RETENTION_BATCH = 5000


def run_anchor() -> Any:
    from tousu.complaints.audit import anchor_heads

    close_old_connections()
    try:
        return anchor_heads()
    finally:
        close_old_connections()


# -- the periodic tasks ----------------------------------------------------------------------


def _scan_interval() -> int:
    return settings.TOUSU_SCAN_INTERVAL_SECONDS


def _mailbox_interval() -> int:
    return settings.TOUSU_MAILBOX_INTERVAL_SECONDS if settings.TOUSU_IMAP_HOST else 0


def _anchor_interval() -> int:
    return settings.TOUSU_ANCHOR_INTERVAL_SECONDS


def _housekeeping_interval() -> int:
    return 24 * 3600 if settings.TOUSU_SCAN_INTERVAL_SECONDS > 0 else 0


def _job(label: str, work: Callable[[], Any], *, always: bool = False) -> Any:
    """One run of a periodic job, in a worker's thread: a fresh database connection, the preset
    in force, a log line of what it did (always, or when it did anything). Errors propagate: the
    queue retries the task, then keeps a dead letter."""
    from tousu.complaints.preset import refresh

    fresh_connections()
    try:
        refresh()  # the preset an administrator may have revised since the last run
        done = work()
        if always or (done and (not isinstance(done, dict) or any(done.values()))):
            log.info("%s [pid %d]: %s", label, os.getpid(), done)
        return done
    finally:
        fresh_connections()


@periodic("deadline-scan", _scan_interval)
def deadline_scan_task() -> None:
    """Reminders, urging and escalation of overdue cases (``timekeeping.scan_deadlines``)."""
    from tousu.complaints.services.timekeeping import scan_deadlines

    _job("deadline scan", scan_deadlines, always=True)


@periodic("email-retry", _scan_interval)
def email_retry_task() -> None:
    """Notices' e-mails due for another attempt (``notify.retry_emails``)."""
    from tousu.complaints import notify

    _job("e-mail retry", notify.retry_emails)


@periodic("complainant-mail", _scan_interval)
def complainant_mail_task() -> None:
    from tousu.mailgate.outbox import deliver_due

    _job("complainant mail sent", deliver_due)


@periodic("mailbox-poll", _mailbox_interval)
def mailbox_poll_task() -> None:
    from tousu.mailgate.imap import poll

    _job("mailbox poll", poll)


@periodic("grading", _scan_interval)
def grading_task() -> None:
    from tousu.detection.grading import grade_unsolved as fire

    _job("complaints regraded for want of a solution", fire)


@periodic("sanctions", _scan_interval)
def sanctions_task() -> None:
    from tousu.accountability.sanctions import finalise_due

    _job("sanctions taking effect", finalise_due)


@periodic("capa-verification", _scan_interval)
def capa_verification_task() -> None:
    from tousu.capa.verification import verify_due

    _job("rectification verification", verify_due)


@periodic("partner-scan", _scan_interval)
def partner_scan_task() -> None:
    from tousu.partners.services import scan

    _job("partners' scan", scan)


@periodic("report-drafts", _scan_interval)
def report_drafts_task() -> None:
    from tousu.reports.services import draft_due

    _job("periodic report drafts", draft_due)


@periodic("tidy", _scan_interval)
def tidy_task() -> None:
    """Login failures past the throttle's window, expired sessions."""
    from django.contrib.sessions.backends.db import SessionStore

    from tousu.accounts import throttle

    def tidy_up() -> None:
        throttle.prune()
        SessionStore.clear_expired()

    _job("tidy", tidy_up)


@periodic("housekeeping", _housekeeping_interval)
def housekeeping_task() -> None:
    """Once a day: the rows past their keeping time (``housekeeping``)."""
    _job("housekeeping", housekeeping, always=True)


@periodic("audit-anchor", _anchor_interval)
def audit_anchor_task() -> None:
    from tousu.complaints.audit import anchor_heads

    _job("audit anchor", anchor_heads, always=True)


# -- where the consumer runs under `tousu serve` -----------------------------------------------

# The lock file's descriptor, open (and the lock held) for the rest of the worker's life.
_held: int | None = None


def start_in_worker(lock_path: Path) -> None:
    """In a web worker (gunicorn's ``post_worker_init``): run the task queue's consumer, with the
    scheduler of the periodic jobs, while this process holds an exclusive ``flock`` on
    ``lock_path``. A thread waits for the lock: the first worker to take it runs the consumer for
    as long as it lives; when it exits or is killed the kernel drops its lock, and one of the
    waiting workers (or the master's replacement for the dead one) takes over. So one consumer
    runs per DATA_DIR (the SQLite queue's file), however many workers there are."""

    def take_lock_then_run() -> None:
        global _held
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # waits (without the GIL) while another process holds it
        _held = fd
        # The holder's pid, for the operator (the lock itself is the flock, not the content).
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        log.info("background jobs [pid %d]: this worker runs them", os.getpid())
        from tousu.core.tasks import start_embedded

        start_embedded()

    threading.Thread(target=take_lock_then_run, name="tousu-jobs-lock", daemon=True).start()
