"""Telling people about a case (SPEC §6, §7, §14): who is told, the in-app notice, and its e-mail.

A notice is a ``Notification`` row written in the caller's transaction, unique per recipient,
case, kind and due date, so a scan that runs twice tells once. The row is also the e-mail's outbox:
the e-mail goes out after commit (an action that rolls back sends nothing) and its outcome is
recorded on the row. One that fails keeps its error and is retried by the periodic job
(``retry_emails``) after a wait that doubles each time, up to ``TOUSU_EMAIL_MAX_ATTEMPTS``
attempts; then it is left failed, and the recipient's notice page says so.

Notices and their e-mails are written in the organisation's language (``settings.LANGUAGE_CODE``),
as the history and the letters are: they are records, read later by people whose language the
sender does not know, so the language of whoever happened to act does not decide it (``written``).

A recipient who may not see the complainant gets the text scrubbed of the complainant's identity,
by the rule as the database has it when the notice is written, and again when the e-mail is sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from functools import partial

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from tousu.accounts.models import Role, User
from tousu.complaints import dues
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.states import Status

log = logging.getLogger(__name__)

# A sender holds a row this long: if its process dies mid-send (or before its after-commit send
# ran), the retry job takes the row over once the lease has run out.
LEASE = dt.timedelta(minutes=10)
# An SMTP conversation that hangs longer than this counts as failed: the first attempt runs inside
# the request (after commit), and must not hold it for good.
SMTP_TIMEOUT_SECONDS = 20
# The longest wait between two attempts, however many failed before.
MAX_BACKOFF = dt.timedelta(hours=6)
# At most this many e-mails per run of the retry job, so a long outage does not stall the scan.
RETRY_BATCH = 200


# -- who is told, and the in-app notice ---------------------------------------------------------
def written(template: str, params: Mapping[str, object]) -> str:
    """A notice's text in the organisation's language: ``template`` is a msgid (marked with
    ``gettext_noop`` where it is written), ``params`` its values, translated lazily ones included."""
    with override(settings.LANGUAGE_CODE):
        return gettext(template) % {key: str(value) for key, value in params.items()}


def recipients(complaint: Complaint, *, centre: bool) -> list[User]:
    """The handler (or, with none, the unit's handlers), the heads of the handling unit and of the
    unit the centre dispatched to (a section's case reaches its bureau's head), and for overdue
    cases the centre's supervisors. A registered case goes to its first owner."""
    people: dict[int, User] = {}
    if complaint.status == Status.UNDER_REVIEW:  # the review is the unit above's (complaints/reviewing.py)
        from tousu.complaints.reviewing import reviewers

        people = {u.pk: u for u in reviewers(complaint)}
        if centre:
            people.update((u.pk, u) for u in User.objects.filter(role=Role.CENTER, is_active=True))
        return list(people.values())
    if complaint.status == Status.REGISTERED:
        people[complaint.first_owner_id] = complaint.first_owner
    unit = complaint.handling_unit
    handler = complaint.handler if complaint.handler_id else None
    if handler is not None:
        people[handler.pk] = handler
    elif unit is not None:
        for u in User.objects.filter(unit=unit, role=Role.HANDLER, is_active=True):
            people[u.pk] = u
    units = {u for u in (complaint.handling_unit_id, complaint.dispatched_unit_id) if u}
    if units:
        for u in User.objects.filter(unit__in=units, role=Role.HEAD, is_active=True):
            people[u.pk] = u
    if centre or unit is None:
        for u in User.objects.filter(role=Role.CENTER, is_active=True):
            people[u.pk] = u
    return list(people.values())


def record(complaint: Complaint, kind: str, people: list[User], message: str) -> list[Notification]:
    """Write the notices that do not exist yet, in the caller's transaction; return only the new
    ones. A recipient who sees the redacted view gets the text scrubbed of the complainant's
    identity (SPEC §7). A new notice to someone with an address is an e-mail to send: its first
    attempt is ``email_after_commit``'s, and the retry job's only after the lease has run out."""
    field = dues.running_field(complaint)
    now = timezone.now()
    new = []
    for user in people:
        text = message if _sees_identity_now(user, complaint) else _redacted_message(complaint, message)
        # A reminder is sent once per deadline; a work notice once per message (a hand-off and an
        # urging about the same deadline are two notices).
        same = {"message": text[:300]} if kind == Notification.Kind.WORK else {}
        notification, created = Notification.objects.get_or_create(
            recipient=user,
            complaint=complaint,
            kind=kind,
            due_field=field,
            due_at=complaint.due_at,
            **same,
            defaults={"message": text[:300], "email_next_at": now + LEASE if user.email else None},
        )
        if created:
            new.append(notification)
    return new


def _sees_identity_now(user: User, complaint: Complaint) -> bool:
    """The rule as the database has it now (not remembered: the action may just have changed it)."""
    from tousu.complaints.confidentiality import hidden_ids

    return complaint.id not in hidden_ids(user, [complaint])


def _redacted_message(complaint: Complaint, message: str) -> str:
    """``message`` scrubbed of the complainants' identity. Messages quote notes and summaries
    whole; they are cut to length only after scrubbing, so no name is cut in two first."""
    from tousu.complaints.confidentiality import scrubber_for

    return scrubber_for(complaint)(message)


def notify_work(complaint: Complaint, template: str, params: dict[str, object], *, centre: bool = False) -> int:
    """Tell the handling unit (its handler, or its handlers, and its heads up the tree; with
    ``centre``, the centre's supervisors too) that a case has come to it; in-app, and by e-mail
    after commit. Returns how many e-mails are to go."""
    if complaint.due_at is None:
        return 0
    people = recipients(complaint, centre=centre)
    return email_after_commit(record(complaint, Notification.Kind.WORK, people, written(template, params)))


def handoff(complaint: Complaint, actor: User | None, before: dict[User, list[str]]) -> int:
    """Tell everyone whose turn the action just made it (complaints/work.py: work they have now
    and did not have before; not the one who acted) what they must do and by when. Returns how
    many e-mails are to go."""
    from tousu.complaints.actions import ACTIONS
    from tousu.complaints.letters import chinese_date
    from tousu.complaints.work import holders

    earlier = {u.pk: set(actions) for u, actions in before.items()}
    new = {
        u: fresh
        for u, actions in holders(complaint).items()
        if u != actor and (fresh := [a for a in actions if a not in earlier.get(u.pk, set())])
    }
    # A notice is keyed on the deadline it is about: with no deadline running (a suspended case),
    # there is none to write, as in notify_work (the 500 the role matrix found: a suspension by
    # the centre or the unit head handed the handler the case's resumption).
    if not new or complaint.due_at is None:
        return 0
    due = complaint.due_at
    made: list[Notification] = []
    with override(settings.LANGUAGE_CODE):
        when = (
            gettext("，期限%(day)s %(time)s")
            % {"day": chinese_date(due), "time": timezone.localtime(due).strftime("%H:%M")}
            if due
            else ""
        )
        for user, actions in new.items():
            todo = "、".join(str(ACTIONS[a].label) for a in actions)
            params = {"number": complaint.number, "summary": complaint.summary, "todo": todo, "when": when}
            made += record(complaint, Notification.Kind.WORK, [user], written(HANDOFF, params))
    return email_after_commit(made)


HANDOFF = gettext_noop("%(number)s「%(summary)s」待您%(todo)s%(when)s。")


def notify_users(complaint: Complaint, users: list[User], template: str, params: dict[str, object]) -> int:
    """Tell particular people about a case (an approval to give, a decision taken)."""
    if complaint.due_at is None:
        return 0
    return email_after_commit(record(complaint, Notification.Kind.WORK, users, written(template, params)))


# -- e-mail -------------------------------------------------------------------------------------
def email_after_commit(notifications: list[Notification]) -> int:
    """Send the notices' e-mails once the caller's transaction commits (at once outside one);
    returns how many there are. A rolled-back transaction leaves neither notice nor e-mail."""
    queued = [n for n in notifications if n.email_next_at is not None]
    for n in queued:
        # robust: the action has committed by then, and an error here must not turn its answer
        # into a failure (send records its own failures; this covers the unexpected).
        transaction.on_commit(partial(send, n.pk), robust=True)
    return len(queued)


def send(pk: int) -> bool:
    """The after-commit attempt at one notice's e-mail: sent unless already sent, given up on, or
    being sent by someone else. Returns whether it was sent."""
    n = Notification.objects.select_related("recipient", "complaint").filter(pk=pk).first()
    if n is None or n.emailed_at is not None or n.email_next_at is None:
        return False
    return _attempt(n, timezone.now())


def retry_emails(*, now: dt.datetime | None = None) -> int:
    """The periodic job's part: try again every e-mail whose next attempt is due (a failed one,
    or one whose after-commit send never ran). Returns how many were sent."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(emailed_at__isnull=True, email_next_at__lte=now)
        .select_related("recipient", "complaint")
        .order_by("email_next_at")[:RETRY_BATCH]
    )
    return sum(_attempt(n, now) for n in due)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after ``attempts`` failed attempts: TOUSU_EMAIL_RETRY_SECONDS, doubled for each
    failure after the first, at most ``MAX_BACKOFF``."""
    base = dt.timedelta(seconds=settings.TOUSU_EMAIL_RETRY_SECONDS)
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _attempt(n: Notification, now: dt.datetime) -> bool:
    # Take the row first (HC's "update where the state is still what we read; expect one row"): the
    # after-commit send and a retry job, or two retry jobs, never send the same e-mail twice. The
    # lease keeps it ours while we talk to the mail server.
    taken = Notification.objects.filter(pk=n.pk, emailed_at__isnull=True, email_next_at=n.email_next_at).update(
        email_next_at=now + LEASE, email_attempts=F("email_attempts") + 1
    )
    if not taken:
        return False
    attempts = n.email_attempts + 1
    address = n.recipient.email
    if not address:  # the address was removed since: nothing to send, nothing failed
        Notification.objects.filter(pk=n.pk).update(email_next_at=None)
        return False
    # The rule is asked again at sending time: the case may have been hidden from the recipient since.
    text = n.message if _sees_identity_now(n.recipient, n.complaint) else _redacted_message(n.complaint, n.message)
    try:
        connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS)
        with override(settings.LANGUAGE_CODE):
            subject = f"[{gettext('投诉')}] {n.complaint.number} {n.get_kind_display()}"
        send_mail(subject, text, None, [address], connection=connection)
    except Exception as err:
        last = attempts >= settings.TOUSU_EMAIL_MAX_ATTEMPTS
        Notification.objects.filter(pk=n.pk).update(
            email_error=f"{type(err).__name__}: {err}"[:300],
            email_next_at=None if last else timezone.now() + backoff(attempts),
        )
        log.warning(
            "notice %s: e-mail to user %s failed (attempt %d%s): %s",
            n.pk,
            n.recipient_id,
            attempts,
            ", giving up" if last else "",
            err,
        )
        return False
    Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now(), email_next_at=None, email_error="")
    return True


def mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all of them when ``ids`` is None); returns how many."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=ids)
    return qs.update(read_at=timezone.now())
