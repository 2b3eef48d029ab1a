"""Steps every action shares. No transaction of their own: the public service holds it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import dues
from tousu.complaints.access import access_complaint, check_role, check_state
from tousu.complaints.events import record_event
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.complaints.notify import handoff
from tousu.complaints.states import Status
from tousu.complaints.work import holders
from tousu.core.errors import InvalidTransition, NotPermitted, StaleVersion, ValidationFailed

# An archived complaint is a frozen record (SPEC §5: "archive … record frozen"), for everyone:
# every write is refused here, in the steps all of them share (``begin`` and ``finish``), not in
# each face. Only audited reads stay: revealing the contact details (on record with its reason, as
# a complaint can be needed after archiving, for a review by a court or a repeat caller) and the
# export of the archive file. They append to the hash-chained history and change no fact.
READS = frozenset({"reveal_contact", "export_archive"})


def refuse_archived(complaint: Complaint, action: str) -> None:
    """Raise InvalidTransition (409) if ``complaint`` is archived and ``action`` is a write."""
    if complaint.status == Status.ARCHIVED and action not in READS:
        from tousu.complaints.actions import ACTIONS

        label = ACTIONS[action].label if action in ACTIONS else action
        raise InvalidTransition(
            _("投诉件 %(number)s 已归档，只能查阅，不能再执行「%(action)s」")
            % {"number": complaint.number, "action": label},
            code="archived",
            action=action,
            status=complaint.status,
        )


def begin(actor: User, number: str, action: str, data: Input) -> tuple[Complaint, str]:
    """Lock the complaint and check what the action table says, in order: scope (404); an
    archived complaint refuses every write, whoever asks (409, ``refuse_archived``); role, unit
    and recusal (403); the input's options that depend on who acts (the row's ``vet``); the
    input's ``version`` against the row's, where the action is versioned, and the state with the
    action's guard (409).

    Returns the complaint and its status before the action."""
    from tousu.complaints.actions import ACTIONS

    a = ACTIONS[action]
    complaint = access_complaint(actor, number, for_update=True)
    refuse_archived(complaint, action)
    check_role(actor, complaint, a)
    if a.vet is not None:
        a.vet(actor, complaint, data)
    # An unversioned action whose input carries a version (a form that replaces a whole record:
    # the demand items, the root cause, the batch trace) is checked too: no lost update.
    version = getattr(data, "version", None)
    if (a.versioned or version is not None) and complaint.version != version:
        raise StaleVersion(current_version=complaint.version, given_version=version)
    check_state(actor, complaint, a)
    # Whose turn it is before the action: finish() tells those whose turn it becomes.
    complaint._holders_before = holders(complaint)  # type: ignore[attr-defined]
    return complaint, complaint.status


def begin_new(actor: User, action: str) -> None:
    """The checks of an action that makes a complaint (registration): the actor's role."""
    from tousu.complaints.actions import ACTIONS

    a = ACTIONS[action]
    if actor.role not in a.roles:
        raise NotPermitted(
            _("角色“%(role)s”不能执行“%(action)s”") % {"role": actor.get_role_display(), "action": a.label},
            action=action,
            role=actor.role,
        )


def begin_system(pk: int, action: str) -> tuple[Complaint, str] | None:
    """Lock a complaint for the system's own write (the deadline scan, a calendar change): no
    actor, so no scope or role; the state must still allow the action. None if it does not (the
    case moved on since it was selected, or is archived)."""
    from tousu.complaints.actions import ACTIONS

    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("handling_unit", "handler", "first_owner", "category", "grade")
        .get(pk=pk)
    )
    if complaint.status not in ACTIONS[action].sources or complaint.status == Status.ARCHIVED:
        return None
    return complaint, complaint.status


def require(value: Any, field: str, message: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(message, field=field)
    return value.strip() if isinstance(value, str) else value


def finish(
    complaint: Complaint,
    *,
    actor: User | None,
    action: str,
    before: str,
    note: str = "",
    payload: dict[str, Any] | None = None,
    created: bool = False,
) -> Complaint:
    """Bump the version, save, and append the event: the last step of every write. ``created``:
    the complaint was just inserted at version 1 with its rows (registration), so it only gets its
    first event. ``actor`` None is the system (the deadline scan, a calendar change).

    The backstop of the read-only rule, for the writers that lock the complaint themselves
    (detection, the portal): a user's write on an archived complaint is refused (its transaction
    rolls back); the system's (detection putting an archived case in a group) leaves the record as
    it was, unsaved and without an event."""
    if not created and before == Status.ARCHIVED and action not in READS:
        if actor is not None:
            refuse_archived(complaint, action)
        complaint.refresh_from_db()
        return complaint
    if not created:
        dues.refresh_due_at(complaint)
        complaint.version += 1
        complaint.save()
    record_event(complaint, actor=actor, action=action, from_status=before, note=note, payload=payload)
    if actor is not None and not created and hasattr(complaint, "_holders_before"):
        handoff(complaint, actor, complaint._holders_before)
    return complaint


def in_calendar(day: dt.date, field: str) -> dt.date:
    """Refuse a day outside the working-day calendar's range: no deadline can be counted there."""
    from tousu.calendar.workdays import FIRST, LAST

    if not FIRST <= day <= LAST:
        raise ValidationFailed(_("日期须在 %(first)s 至 %(last)s 之间") % {"first": FIRST, "last": LAST}, field=field)
    return day


def choice(value: str, choices: Any, field: str) -> str:
    values = {c.value for c in choices}
    if value not in values:
        raise ValidationFailed(
            _("取值无效：「%(value)s」不在可选范围内") % {"field": field, "value": value},
            field=field,
            allowed=sorted(values),
        )
    return value
