"""Steps every action shares. No transaction of their own: the public service holds it."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import deadlines
from tousu.complaints.access import access_complaint, check_role, check_state
from tousu.complaints.events import record_event
from tousu.complaints.models import Complaint
from tousu.complaints.states import OPEN, Status
from tousu.core.errors import StaleVersion, ValidationFailed


def begin(actor: User, number: str, version: int, action: str) -> tuple[Complaint, str]:
    """Lock the complaint and check, in order: scope (404), role (403), version and state (409).

    Returns the complaint and its status before the action.
    """
    complaint = access_complaint(actor, number, for_update=True)
    check_role(actor, complaint, action)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValidationFailed(_("version 必须是整数"), field="version")
    if complaint.version != version:
        raise StaleVersion(current_version=complaint.version, given_version=version)
    check_state(actor, complaint, action)
    return complaint, complaint.status


def require(value: Any, field: str, message: str) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(message, field=field)
    return value.strip() if isinstance(value, str) else value


def set_due(complaint: Complaint, kind: str, start=None, added: int = 0) -> None:  # noqa: ANN001
    """Set one due date from the policy, remembering the rule, its start and what was added."""
    start = start or timezone.now()
    due = deadlines.policy().due(complaint, kind, start, added)
    setattr(complaint, deadlines.DUE_FIELDS[kind], due.at if due else None)
    rules = dict(complaint.due_rules)
    if due:
        rule = deadlines.policy().rule_for(complaint, kind)
        rules[kind] = {"rule": due.rule, "label": rule.label(), "start": start.isoformat(), "added": added,
                       "provisional": due.provisional}
    else:
        rules.pop(kind, None)
    complaint.due_rules = rules
    complaint.dues_provisional = any(r.get("provisional") for r in rules.values())


def move_due(complaint: Complaint, kind: str, units: int) -> None:
    """Add ``units`` of the rule's unit to a running deadline (extension, suspended time)."""
    info = complaint.due_rules.get(kind)
    if not info or not units:
        return
    set_due(complaint, kind, dt.datetime.fromisoformat(info["start"]), info.get("added", 0) + units)


def recompute_dues(complaint: Complaint) -> bool:
    """Recompute every due date from its recorded start (after a calendar change); True if any moved."""
    moved = False
    for kind, info in list(complaint.due_rules.items()):
        field = deadlines.DUE_FIELDS.get(kind)
        if not field or not getattr(complaint, field):
            continue
        before = getattr(complaint, field)
        set_due(complaint, kind, dt.datetime.fromisoformat(info["start"]), info.get("added", 0))
        moved |= getattr(complaint, field) != before
    refresh_due_at(complaint)
    return moved


_RUNNING_DUE = {
    Status.REGISTERED: "acceptance_due",
    Status.ACCEPTED: "handling_due",
    Status.DISPATCHED: "sign_due",
    Status.IN_PROGRESS: "handling_due",
    Status.PENDING_APPROVAL: "handling_due",
    Status.APPROVED: "handling_due",
    Status.REPLIED: "followup_due",
    Status.UNDER_REVIEW: "review_due",
}


def refresh_due_at(complaint: Complaint) -> None:
    field = _RUNNING_DUE.get(complaint.status)
    due = getattr(complaint, field) if field and complaint.status in OPEN else None
    if due and field == "handling_due" and complaint.agreed_due:
        due = min(due, complaint.agreed_due)
    complaint.due_at = due


def finish(complaint: Complaint, *, actor: User, action: str, before: str, note: str = "",
           payload: dict[str, Any] | None = None) -> Complaint:
    """Bump the version, save, and append the event: the last step of every action."""
    refresh_due_at(complaint)
    complaint.version += 1
    complaint.save()
    record_event(complaint, actor=actor, action=action, from_status=before, note=note, payload=payload)
    return complaint


def in_calendar(day: dt.date, field: str) -> dt.date:
    """Refuse a day outside the working-day calendar's range: no deadline can be counted there."""
    from tousu.calendar.workdays import FIRST, LAST

    if not FIRST <= day <= LAST:
        raise ValidationFailed(_("日期须在 %(first)s 至 %(last)s 之间") % {"first": FIRST, "last": LAST},
                               field=field)
    return day


def choice(value: str, choices: Any, field: str) -> str:
    values = {c.value for c in choices}
    if value not in values:
        raise ValidationFailed(_("%(field)s 取值无效: %(value)s") % {"field": field, "value": value},
                               field=field, allowed=sorted(values))
    return value
