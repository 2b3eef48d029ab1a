"""The mailbox poller (SPEC §8): unseen messages of an IMAP folder, each through the same
``gateway.receive`` as ``tousu mail-in``; run by the periodic job when TOUSU_IMAP_HOST is set.

A message is never lost: it is read with ``BODY.PEEK`` (which leaves it unseen) and marked seen
only once handled — registered, appended, a duplicate, or refused (then also flagged, and the
refusal recorded with its reason, the message staying in the mailbox for a person to read). A
message whose handling failed for another reason (the database was away) stays unseen, its failure
recorded, and the next poll tries it again.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
from dataclasses import dataclass, field

from django.conf import settings

from tousu.mailgate.gateway import Busy, Refused, receive
from tousu.mailgate.models import MailMessage

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 30
BATCH = 100  # at most this many messages per poll, so one poll never holds the job for long


@dataclass
class Polled:
    fetched: int = 0
    registered: int = 0
    appended: int = 0
    duplicates: int = 0
    ignored: int = 0
    refused: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.fetched} fetched: {self.registered} registered, {self.appended} appended, "
            f"{self.duplicates} duplicate(s), {self.ignored} ignored, {self.refused} refused, {self.failed} failed"
        )
        return text + (f" ({'; '.join(self.errors)})" if self.errors else "")


def _connect() -> imaplib.IMAP4:
    host, use_ssl = settings.TOUSU_IMAP_HOST, settings.TOUSU_IMAP_SSL
    port = settings.TOUSU_IMAP_PORT or (993 if use_ssl else 143)
    if use_ssl:
        return imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS)
    return imaplib.IMAP4(host, port, timeout=TIMEOUT_SECONDS)


def _raw(data: list) -> bytes | None:
    """The message of a ``UID FETCH (BODY.PEEK[])`` answer."""
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[]" in item[0]:
            return bytes(item[1])
    return None


def poll() -> Polled:
    """Fetch the unseen messages of TOUSU_IMAP_FOLDER and hand each to the gateway. Connection and
    login errors are reported in the result (and logged), never raised: the job goes on."""
    result = Polled()
    if not settings.TOUSU_IMAP_HOST:
        return result
    try:
        conn = _connect()
    except (OSError, imaplib.IMAP4.error) as err:
        result.errors.append(f"connect: {err}")
        log.warning("mail gateway: cannot reach %s: %s", settings.TOUSU_IMAP_HOST, err)
        return result
    try:
        conn.login(settings.TOUSU_IMAP_USER, settings.TOUSU_IMAP_PASSWORD)
        status, _ = conn.select(_quoted(settings.TOUSU_IMAP_FOLDER))
        if status != "OK":
            result.errors.append(f"select {settings.TOUSU_IMAP_FOLDER}: {status}")
            return result
        status, found = conn.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        uids = found[0].split()[:BATCH] if status == "OK" and found and found[0] else []
        for uid in uids:
            _one(conn, uid.decode(), result)
    except (OSError, imaplib.IMAP4.error) as err:
        result.errors.append(str(err))
        log.warning("mail gateway: polling %s failed: %s", settings.TOUSU_IMAP_HOST, err)
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return result


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one(conn: imaplib.IMAP4, uid: str, result: Polled) -> None:
    status, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = _raw(data) if status == "OK" else None
    if raw is None:
        result.failed += 1
        result.errors.append(f"fetch {uid}: {status}")
        return
    result.fetched += 1
    try:
        received = receive(raw, source=MailMessage.Source.IMAP, keep_refusals=True)
    except Refused as err:
        result.refused += 1
        log.warning("mail gateway: message %s refused: %s", uid, err.message)
        conn.uid("STORE", uid, "+FLAGS", r"(\Seen \Flagged)")
        return
    except Busy:
        return  # another process has it; still unseen, so the next poll looks again
    except Exception as err:  # recorded on the message's row by receive(); left unseen for a retry
        result.failed += 1
        result.errors.append(f"{uid}: {type(err).__name__}: {err}")
        log.exception("mail gateway: message %s failed", uid)
        return
    if received.duplicate:
        result.duplicates += 1
    elif received.outcome == MailMessage.Outcome.REGISTERED:
        result.registered += 1
    elif received.outcome == MailMessage.Outcome.APPENDED:
        result.appended += 1
    else:
        result.ignored += 1
    conn.uid("STORE", uid, "+FLAGS", r"(\Seen)")
