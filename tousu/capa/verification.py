"""Verification of an action's effectiveness, on its own (issue 15 §6).

A verified action (验证中) fails the moment a complaint in its scope and window arrives
(``after_registration``, called where a complaint is registered), and the periodic scan
(``verify_due``, on the deadline scan's schedule) passes those whose window ended clean and fails any
recurrence the registration hook missed (an import, a complaint registered with an earlier
received time). Both conclude through ``_conclude``, which acts only on an action still 验证中:
running either twice changes nothing.

What recurs: a complaint of kind 投诉 received after the action was done, not one of its linked
complaints (a repeat by the same customer counts: in manufacturing the customer is the same
firm every time), that is

- in scope: a respondent naming the same product (case-insensitive), or a category in the
  action's category's subtree, or a respondent unit in the action's unit's subtree; and
- in the window: for ``days``, received within that many days after the action was done; for
  ``batches``, a respondent naming one of the first N batches recorded (for the product scope, the
  same respondent names the product and the batch).

It passes when, with no recurrence, ``days`` days have passed since it was done, or N batches are
recorded and the preset's observation days have passed since the N-th was recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.capa.models import Action, Batch, Measure, Scope, Status
from tousu.capa.services import record_step, subtree
from tousu.complaints.models import Complaint, Kind, Respondent

log = logging.getLogger(__name__)


def tracked(action: Action) -> list[Batch]:
    """The first N batches recorded: those the criterion counts (read through ``.all()`` so that a
    prefetch serves it)."""
    return sorted(action.batches.all(), key=lambda b: (b.recorded_at, b.pk))[: action.count or 0]


def _batches(action: Action) -> list[str]:
    return [b.number for b in tracked(action)]


def _in_scope(action: Action) -> Q:
    if action.scope == Scope.PRODUCT:
        return Q(pk__in=Respondent.objects.filter(product_name__iexact=action.product_name).values("complaint_id"))
    if action.scope == Scope.UNIT:
        path = action.unit.path if action.unit else "-"
        return Q(pk__in=Respondent.objects.filter(unit__path__startswith=path).values("complaint_id"))
    return Q(category_id__in=subtree(action.category) if action.category else [])


def _naming(batches: list[str]) -> Q:
    """A complaint naming one of ``batches``: on a respondent row, or in the custom field
    ``batch_no`` some presets keep it in (as the investigation's batch trace reads it)."""
    rows, custom = Q(), Q()
    for b in batches:
        rows |= Q(batch__iexact=b)
        custom |= Q(custom__batch_no__iexact=b)
    return Q(pk__in=Respondent.objects.filter(rows).values("complaint_id")) | custom


def recurrences(action: Action) -> QuerySet[Complaint]:
    """The complaints that break ``action``'s criterion, earliest first."""
    assert action.done_at is not None
    linked = list(action.complaints.values_list("pk", flat=True))
    qs = Complaint.objects.filter(_in_scope(action), kind=Kind.COMPLAINT, received_at__gt=action.done_at).exclude(
        pk__in=linked
    )
    if action.measure == Measure.DAYS:
        qs = qs.filter(received_at__lte=action.done_at + dt.timedelta(days=action.count or 0))
    else:
        batches = _batches(action)
        if not batches:
            return qs.none()
        qs = qs.filter(_naming(batches))
    return qs.order_by("received_at", "pk")


def window_end(action: Action) -> dt.datetime | None:
    """When the window ends clean; None while batches remain to be recorded."""
    assert action.done_at is not None
    if action.measure == Measure.DAYS:
        return action.done_at + dt.timedelta(days=action.count or 0)
    times = [b.recorded_at for b in tracked(action)]
    if len(times) < (action.count or 0):
        return None
    return times[-1] + dt.timedelta(days=action.observation_days or 0)


def _conclude(action_id: int, broken_by: Complaint | None) -> bool:
    """Mark the action effective (``broken_by`` None) or ineffective; only from 验证中."""
    action = Action.objects.select_for_update(of=("self",)).select_related("category", "unit").get(pk=action_id)
    if action.status != Status.VERIFYING:
        return False
    action.verified_at = timezone.now()
    if broken_by is None:
        action.status = Status.EFFECTIVE
        action.verdict = _("验证期内未再发生，措施有效。")
        action.save()
        record_step(action, None, "effective", action.verdict)
        return True
    action.status = Status.INEFFECTIVE
    action.broken_by = broken_by
    action.verdict = _(
        "投诉 %(number)s（收到于%(at)s）在验证范围和期限内再次发生，措施无效。应立即组织有关部门进行分析，制定接续措施。"
    ) % {"number": broken_by.number, "at": timezone.localtime(broken_by.received_at).strftime("%Y-%m-%d %H:%M")}
    action.save()
    record_step(action, None, "ineffective", action.verdict, broken_by=broken_by.number)
    return True


def _candidates_for(complaint: Complaint) -> QuerySet[Action]:
    """The actions 验证中 that a new complaint might break: a cheap first cut by its scope."""
    rows = list(complaint.respondents.select_related("unit"))
    q = Q(scope=Scope.CATEGORY, category__isnull=False) if complaint.category_id else Q(pk__in=[])
    for name in {r.product_name.strip() for r in rows if r.product_name.strip()}:
        q |= Q(scope=Scope.PRODUCT, product_name__iexact=name)
    paths = [r.unit.path for r in rows if r.unit is not None]
    if paths:
        q |= Q(scope=Scope.UNIT, unit__isnull=False)
    return Action.objects.filter(q, status=Status.VERIFYING, done_at__lt=complaint.received_at)


def check_new(complaint: Complaint) -> int:
    """Fail each action 验证中 that ``complaint`` recurs; returns how many failed."""
    if complaint.kind != Kind.COMPLAINT:
        return 0
    failed = 0
    for action in _candidates_for(complaint).select_related("category", "unit"):
        if recurrences(action).filter(pk=complaint.pk).exists():
            first = recurrences(action).first()
            failed += _conclude(action.pk, first or complaint)
    return failed


def after_registration(complaint: Complaint) -> None:
    """Called where a complaint is registered, inside its transaction: a savepoint of its own, so
    that nothing here can fail the registration (the periodic scan catches what this misses)."""
    try:
        with transaction.atomic():
            check_new(complaint)
    except Exception:
        log.exception("rectification check after registering %s failed", complaint.number)


def verify_due(now: dt.datetime | None = None) -> dict[str, int]:
    """The periodic verification: fail any recurrence, pass each window ended clean. Idempotent."""
    now = now or timezone.now()
    counts = {"effective": 0, "ineffective": 0}
    ids = list(Action.objects.filter(status=Status.VERIFYING).order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            action = Action.objects.select_related("category", "unit").get(pk=pk)
            broken = recurrences(action).first()
            end = window_end(action)
            if broken is not None:
                counts["ineffective"] += _conclude(pk, broken)
            elif end is not None and end <= now:
                counts["effective"] += _conclude(pk, None)
    return counts


def summary(action: Action) -> dict[str, Any]:
    """Where the verification stands: the window's end, batches recorded of those tracked."""
    if not action.scope or action.done_at is None:
        return {"ends": None, "batches": 0}
    return {"ends": window_end(action), "batches": len(tracked(action))}
