"""Reads for the mail log page (issue 13): the messages the gateway received and the mail it sent
to complainants, newest first, a page at a time (keyset on the id), for the centre and the
administrators. A row of a case whose complainants the reader may not see (SPEC §7: a member of
the centre complained about, or in conflict) shows the address hidden and its texts scrubbed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, User
from tousu.complaints.confidentiality import hidden_ids, scrubbers_for
from tousu.complaints.models import Complaint
from tousu.core.errors import NotPermitted, ValidationFailed
from tousu.core.redaction import Scrubber
from tousu.mailgate.models import MailMessage, OutgoingMail

PAGE = 50
_Row = TypeVar("_Row")
_M = TypeVar("_M", bound=Model)


def may_view_mail_log(user: User | None) -> bool:
    """The centre and the administrators: they answer for what came in and what went out."""
    return user is not None and (user.role in (Role.CENTER, Role.ADMIN) or user.is_superuser)


def require_mail_log(actor: User | None) -> None:
    if not may_view_mail_log(actor):
        raise NotPermitted(_("只有投诉中心和管理员可以查看邮件记录"), role=getattr(actor, "role", None))


@dataclass(frozen=True)
class IncomingRow:
    at: dt.datetime
    source: str
    sender: str
    subject: str
    outcome: str
    outcome_label: str
    number: str
    detail: str
    attempts: int


@dataclass(frozen=True)
class OutgoingRow:
    id: int
    at: dt.datetime
    to: str
    subject: str
    purpose: str
    state: str
    state_label: str
    attempts: int
    last_error: str
    next_at: dt.datetime | None
    sent_at: dt.datetime | None
    number: str


@dataclass(frozen=True)
class Page(Generic[_Row]):
    rows: list[_Row]
    next_cursor: int | None


def cursor_of(value: str) -> int | None:
    """A page's cursor as the query string gives it: empty for the first page, else an id."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationFailed(_("翻页参数无效"), field="cursor")
    return int(value)


def _choice(value: str, choices: list[tuple[str, Any]], message: str, field: str) -> str:
    if value and value not in dict(choices):
        raise ValidationFailed(message, field=field)
    return value


def _page(qs: QuerySet[_M], cursor: int | None) -> tuple[list[_M], int | None]:
    if cursor:
        qs = qs.filter(id__lt=cursor)
    rows = list(qs.order_by("-id")[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)


def _scrubbers(actor: User, complaints: list[Complaint]) -> dict[int, Scrubber]:
    """The scrubbers of the cases of a page whose complainants ``actor`` may not see."""
    unique = list({c.id: c for c in complaints}.values())
    hidden = hidden_ids(actor, unique)
    return scrubbers_for([c for c in unique if c.id in hidden]) if hidden else {}


def incoming(*, actor: User, outcome: str = "", cursor: int | None = None) -> Page[IncomingRow]:
    """The messages received, newest first, of ``outcome`` if given."""
    require_mail_log(actor)
    outcome = _choice(outcome, MailMessage.Outcome.choices, _("未知的处理结果"), "outcome")
    qs = MailMessage.objects.select_related("complaint")
    if outcome:
        qs = qs.filter(outcome=outcome)
    rows, next_cursor = _page(qs, cursor)
    scrubbers = _scrubbers(actor, [m.complaint for m in rows if m.complaint is not None])
    out = []
    for m in rows:
        scrub = scrubbers.get(m.complaint_id or 0)
        out.append(
            IncomingRow(
                at=m.first_seen_at,
                source=m.get_source_display(),
                sender=_("（已隐去）") if scrub is not None else m.sender,
                subject=scrub(m.subject) if scrub is not None else m.subject,
                outcome=m.outcome,
                outcome_label=m.get_outcome_display(),
                number=m.complaint.number if m.complaint is not None else m.number,
                detail=scrub(m.detail) if scrub is not None else m.detail,
                attempts=m.attempts,
            )
        )
    return Page(out, next_cursor)


def outgoing(*, actor: User, state: str = "", cursor: int | None = None) -> Page[OutgoingRow]:
    """The mail sent (or to send) to complainants, newest first, in ``state`` if given."""
    require_mail_log(actor)
    state = _choice(state, OutgoingMail.State.choices, _("未知的发送状态"), "state")
    qs = OutgoingMail.objects.select_related("complaint").defer("body")
    if state:
        qs = qs.filter(state=state)
    rows, next_cursor = _page(qs, cursor)
    scrubbers = _scrubbers(actor, [m.complaint for m in rows if m.complaint is not None])
    out = []
    for m in rows:
        scrub = scrubbers.get(m.complaint_id or 0)
        error = m.last_error
        if scrub is not None:
            error = scrub(error.replace(m.to, _("（已隐去）")) if m.to else error)
        out.append(
            OutgoingRow(
                id=m.pk,
                at=m.created_at,
                to=_("（已隐去）") if scrub is not None else m.to,
                subject=scrub(m.subject) if scrub is not None else m.subject,
                purpose=m.get_purpose_display(),
                state=m.state,
                state_label=m.get_state_display(),
                attempts=m.attempts,
                last_error=error,
                next_at=m.next_at,
                sent_at=m.sent_at,
                number=m.complaint.number if m.complaint is not None else "",
            )
        )
    return Page(out, next_cursor)
