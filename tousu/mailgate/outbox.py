"""The outbox of mail to complainants (issue 13): a row per e-mail, written in the caller's
transaction, sent after commit, and retried by the periodic job while the mail server is away.

A mail is an ``OutgoingMail`` row first. Its first attempt runs after the caller commits (an action
that rolls back sends nothing); one that fails waits ``BACKOFF`` (1, 5, 15, 60 minutes …) before the
periodic job (``deliver_due``) tries again, up to ``MAX_ATTEMPTS`` attempts; then the row is left
failed for good, logged, and shown on the mail log page, where the centre may send it again.

Every attempt first takes the row — an UPDATE where it is still pending with the ``next_at`` that
was read, moving ``next_at`` a lease ahead — so the after-commit attempt and the job, or two jobs,
never send the same mail twice (HC's "update where unchanged; expect one row", as
``tousu.complaints.notify`` does for the staff's notices). A process that dies mid-send leaves the
row pending; the job takes it over once the lease has run out.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.accounts.services import log as admin_log
from tousu.complaints.models import Complaint
from tousu.core.errors import NotFound, ValidationFailed
from tousu.mailgate.models import OutgoingMail
from tousu.mailgate.selectors import require_mail_log

log = logging.getLogger(__name__)
State = OutgoingMail.State

# A sender holds a row this long: if its process dies mid-send (or before its after-commit attempt
# ran), the job takes the row over once the lease has run out.
LEASE = dt.timedelta(minutes=10)
# An SMTP conversation that hangs longer than this counts as failed: the first attempt runs inside
# the request (after commit), and must not hold it for good.
SMTP_TIMEOUT_SECONDS = 20
# The wait after the 1st, 2nd, … failed attempt; the last wait repeats.
BACKOFF = tuple(dt.timedelta(minutes=m) for m in (1, 5, 15, 60, 180, 360))
# After this many failed attempts (about 16 hours with the waits above) the mail is failed for good.
MAX_ATTEMPTS = 8
# At most this many mails per run of the job, so a long outage does not stall the scan.
BATCH = 200
ERROR_MAX = OutgoingMail._meta.get_field("last_error").max_length or 300


def queue(
    *,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    complaint: Complaint | None = None,
    headers: dict[str, str] | None = None,
) -> OutgoingMail:
    """Write the mail in the caller's transaction and try it once after commit (at once outside
    a transaction). The job leaves it alone for a lease, the after-commit attempt's time."""
    row = OutgoingMail.objects.create(
        to=to,
        subject=subject[:255],
        body=body,
        headers=headers or {},
        complaint=complaint,
        purpose=purpose,
        next_at=timezone.now() + LEASE,
    )
    # robust: the caller has committed by then, and an error here must not turn its answer into a
    # failure (an attempt records its own failures; this covers the unexpected).
    transaction.on_commit(partial(send, row.pk), robust=True)
    return row


def send(pk: int) -> bool:
    """The after-commit attempt at one mail: sent unless already sent, given up on, or being sent
    by someone else. Returns whether it was sent."""
    row = OutgoingMail.objects.filter(pk=pk, state=State.PENDING, next_at__isnull=False).first()
    return row is not None and _attempt(row, timezone.now())


def deliver_due(now: dt.datetime | None = None) -> int:
    """The periodic job's part: try every pending mail whose next attempt is due (a failed one, or
    one whose after-commit attempt never ran). Returns how many were sent."""
    now = now or timezone.now()
    due = list(OutgoingMail.objects.filter(state=State.PENDING, next_at__lte=now).order_by("next_at")[:BATCH])
    return sum(_attempt(row, now) for row in due)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after ``attempts`` failed attempts."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]


def _attempt(row: OutgoingMail, now: dt.datetime) -> bool:
    # Take the row first: only one of several senders that read it the same way gets the update.
    taken = OutgoingMail.objects.filter(pk=row.pk, state=State.PENDING, next_at=row.next_at).update(
        next_at=now + LEASE, attempts=F("attempts") + 1
    )
    if not taken:
        return False
    attempts = row.attempts + 1
    message = EmailMessage(
        subject=row.subject,
        body=row.body,
        to=[row.to],
        headers=row.headers or None,
        connection=get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS),
    )
    try:
        message.send()
    except Exception as err:
        last = attempts >= MAX_ATTEMPTS
        OutgoingMail.objects.filter(pk=row.pk).update(
            last_error=_short(err),
            state=State.FAILED if last else State.PENDING,
            next_at=None if last else timezone.now() + backoff(attempts),
        )
        log.log(
            logging.ERROR if last else logging.WARNING,
            "outgoing mail %s (%s of complaint %s): attempt %d failed%s: %s",
            row.pk,
            row.purpose,
            row.complaint_id,
            attempts,
            ", giving up" if last else "",
            _short(err),
        )
        return False
    OutgoingMail.objects.filter(pk=row.pk).update(state=State.SENT, sent_at=timezone.now(), next_at=None, last_error="")
    return True


def _short(err: Exception) -> str:
    """The error in one line, cut to the column (an SMTP answer, a refused connection): the
    server's words, never the message or the credentials."""
    return " ".join(f"{type(err).__name__}: {err}".split())[:ERROR_MAX]


@transaction.atomic
def retry(*, actor: User, pk: int) -> OutgoingMail:
    """Send a mail failed for good again (the centre's or an administrator's decision, on
    record in the administration log): a new series of attempts, the first after commit."""
    require_mail_log(actor)
    row = OutgoingMail.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound(_("外发邮件不存在"))
    if row.state != State.FAILED:
        raise ValidationFailed(_("只有发送失败、已停止重试的邮件可以重新发送。"), field="id")
    before = {"state": row.state, "attempts": row.attempts, "last_error": row.last_error}
    row.state, row.attempts, row.next_at = State.PENDING, 0, timezone.now() + LEASE
    row.save(update_fields=["state", "attempts", "next_at"])
    number = row.complaint.number if row.complaint_id and row.complaint else ""
    admin_log(
        actor,
        "retry_mail",
        f"mail:{row.pk}",
        {"before": before, "after": {"state": row.state, "attempts": 0, "number": number}},
    )
    transaction.on_commit(partial(send, row.pk), robust=True)
    return row


def purge_sent(now: dt.datetime | None = None) -> int:
    """Delete the mails sent more than TOUSU_MAIL_KEEP_DAYS ago (pending and failed ones stay
    until they are settled). Returns how many went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.TOUSU_MAIL_KEEP_DAYS)
    deleted, _by_model = OutgoingMail.objects.filter(state=State.SENT, sent_at__lt=cutoff).delete()
    return deleted
