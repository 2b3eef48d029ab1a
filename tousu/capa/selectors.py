"""Rectification actions as the API and the pages show them, and the owner's queue."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accounts.models import User
from tousu.calendar.store import current as calendar
from tousu.capa.models import Action, Status
from tousu.capa.services import criterion_text, kind_label, may_see
from tousu.capa.verification import summary
from tousu.complaints.access import visible_complaints
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active

SOON_DAYS = 2  # working days: "due soon" as the complaints' due dates colour it


class BatchRow(TypedDict):
    number: str
    produced_on: dt.date | None
    recorded_at: dt.datetime
    recorded_by: str


class StepRow(TypedDict):
    at: dt.datetime
    actor: Annotated[str, Field(description="操作人；系统自动验证为空")]
    step: Annotated[str, Field(description="create、done、batches、effective、ineffective、cancel、follow_up")]
    step_name: str
    status: str
    note: str


STEPS = {
    "create": _("制定措施"),
    "done": _("记录完成"),
    "batches": _("记录批次"),
    "effective": _("验证有效"),
    "ineffective": _("验证无效"),
    "cancel": _("取消措施"),
    "follow_up": _("制定接续措施"),
}


class ActionRow(TypedDict):
    id: int
    kind: str
    kind_name: str
    title: str
    description: str
    owner: Annotated[str, Field(description="责任人用户名")]
    owner_name: str
    owner_unit: str
    due_on: dt.date
    timing: Annotated[str, Field(description="on_time、due_soon、overdue；已完成、已取消的为空")]
    status: Annotated[
        str,
        Field(
            description="open 待完成、done 已完成、verifying 验证中、effective 有效、ineffective 无效、cancelled 已取消"
        ),
    ]
    status_name: str
    complaints: Annotated[list[str], Field(description="关联的投诉编号（本人可见的）")]
    criterion: Annotated[str, Field(description="有效性验证标准")]
    scope: str
    measure: str
    count: int | None
    observation_days: int | None
    done_at: dt.datetime | None
    evidence: str
    evidence_files: list[dict[str, Any]]
    batches: list[BatchRow]
    window_ends: Annotated[dt.datetime | None, Field(description="验证期满时间；按批次验证而批次未记录满时为空")]
    verified_at: dt.datetime | None
    verdict: str
    broken_by: Annotated[str | None, Field(description="再次发生、导致验证无效的投诉编号")]
    reanalysis_due: Annotated[dt.date | None, Field(description="无效后须制定接续措施的期限（000-119）")]
    follows: int | None
    followed_by: int | None
    cancelled_reason: str
    created_by: str
    created_at: dt.datetime
    history: list[StepRow]


class ActionPage(TypedDict):
    items: list[ActionRow]
    count: Annotated[int, Field(description="本页条数（最多200）")]


def reanalysis_due(action: Action) -> dt.date | None:
    if action.status != Status.INEFFECTIVE or action.verified_at is None:
        return None
    days = active().capa.reanalysis_working_days
    return calendar().add_working_days(timezone.localdate(action.verified_at), days)


def followed_by(action: Action) -> Action | None:
    """The follow-up action made for an ineffective one (000-119), if any."""
    try:
        return action.followed_by
    except ObjectDoesNotExist:
        return None


def _pending(action: Action) -> bool:
    """Waiting on its owner: open, or ineffective without a follow-up."""
    return action.status == Status.OPEN or (action.status == Status.INEFFECTIVE and followed_by(action) is None)


def timing(action: Action, today: dt.date | None = None) -> str:
    if not _pending(action):
        return ""
    due = action.due_on if action.status == Status.OPEN else reanalysis_due(action)
    assert due is not None
    today = today or timezone.localdate()
    if due < today:
        return "overdue"
    if calendar().working_days_between(today, due) <= SOON_DAYS:
        return "due_soon"
    return "on_time"


def row(actor: User, action: Action, *, full: bool = True) -> ActionRow:
    numbers = {c.number for c in action.complaints.all()}
    if action.owner_id == actor.pk:  # others see an action only where they see all its complaints
        numbers = set(visible_complaints(actor).filter(number__in=numbers).values_list("number", flat=True))
    state = summary(action)
    nxt = followed_by(action)
    return {
        "id": action.pk,
        "kind": action.kind,
        "kind_name": kind_label(action.kind),
        "title": action.title,
        "description": action.description,
        "owner": action.owner.username,
        "owner_name": str(action.owner),
        "owner_unit": action.owner_unit.name if action.owner_unit else "",
        "due_on": action.due_on,
        "timing": timing(action),
        "status": action.status,
        "status_name": str(Status(action.status).label),
        "complaints": sorted(numbers),
        "criterion": criterion_text(action),
        "scope": action.scope,
        "measure": action.measure,
        "count": action.count,
        "observation_days": action.observation_days,
        "done_at": action.done_at,
        "evidence": action.evidence,
        "evidence_files": list(action.evidence_files),
        "batches": [
            {
                "number": b.number,
                "produced_on": b.produced_on,
                "recorded_at": b.recorded_at,
                "recorded_by": str(b.recorded_by),
            }
            for b in action.batches.select_related("recorded_by")
        ]
        if full
        else [],  # fmt: skip
        "window_ends": state["ends"],
        "verified_at": action.verified_at,
        "verdict": action.verdict,
        "broken_by": action.broken_by.number if action.broken_by else None,
        "reanalysis_due": reanalysis_due(action),
        "follows": action.follows_id,
        "followed_by": nxt.pk if nxt else None,
        "cancelled_reason": action.cancelled_reason,
        "created_by": str(action.created_by),
        "created_at": action.created_at,
        "history": [
            {
                "at": s.at,
                "actor": str(s.actor) if s.actor else "",
                "step": s.step,
                "step_name": str(STEPS.get(s.step, s.step)),
                "status": s.status,
                "note": s.note,
            }
            for s in action.steps.select_related("actor")
        ]
        if full
        else [],  # fmt: skip
    }


def visible_actions(actor: User) -> QuerySet[Action]:
    """The actions the actor owns, or whose every linked complaint the actor sees."""
    hidden = Complaint.objects.exclude(pk__in=visible_complaints(actor).values("pk"))
    return (
        Action.objects.filter(Q(owner=actor) | ~Q(complaints__in=hidden))
        .distinct()
        .select_related("owner", "owner_unit", "category", "unit", "broken_by", "created_by", "followed_by")
        .prefetch_related("complaints", "batches")
    )


def _overdue_q(today: dt.date) -> Q:
    return Q(status=Status.OPEN, due_on__lt=today)


def pending(owner: User) -> list[Action]:
    """The owner's queue: open actions, and ineffective ones awaiting their follow-up, earliest due first."""
    qs = (
        Action.objects.filter(owner=owner)
        .filter(Q(status=Status.OPEN) | Q(status=Status.INEFFECTIVE, followed_by__isnull=True))
        .select_related("owner", "owner_unit", "broken_by", "created_by", "followed_by")
        .prefetch_related("complaints", "batches")
    )
    return sorted(qs, key=lambda a: (a.due_on if a.status == Status.OPEN else (reanalysis_due(a) or a.due_on), a.pk))


def overdue_count(user: User | None = None) -> int:
    """Overdue actions (of ``user`` as owner; all where None): open past their due day, and
    ineffective ones past their re-analysis day without a follow-up (for the queues and statistics)."""
    qs = Action.objects.all() if user is None else Action.objects.filter(owner=user)
    today = timezone.localdate()
    n = qs.filter(_overdue_q(today)).count()
    for a in qs.filter(status=Status.INEFFECTIVE, followed_by__isnull=True):
        due = reanalysis_due(a)
        n += due is not None and due < today
    return n


def of_complaint(actor: User, complaint: Complaint) -> list[Action]:
    return list(visible_actions(actor).filter(complaints=complaint).order_by("id").prefetch_related("complaints"))


def listing(actor: User, *, status: str = "", owner: str = "", overdue: bool = False, limit: int = 200) -> list[Action]:
    qs = visible_actions(actor)
    if status:
        qs = qs.filter(status=status)
    if owner:
        qs = qs.filter(owner__username=owner)
    if overdue:
        today = timezone.localdate()
        late = [a.pk for a in qs.filter(status=Status.INEFFECTIVE, followed_by__isnull=True) if timing(a) == "overdue"]
        qs = qs.filter(_overdue_q(today) | Q(pk__in=late))
    return list(qs.order_by("-id")[:limit])


def get(actor: User, action_id: int) -> Action:
    from tousu.capa.services import access_action

    return access_action(actor, action_id)


__all__ = ["may_see", "overdue_count", "pending", "row", "listing", "of_complaint", "get", "timing"]
