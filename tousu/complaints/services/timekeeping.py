"""Keeping the clock: recomputing provisional due dates after a calendar import (SPEC §6)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tousu.complaints.events import record_event
from tousu.complaints.models import Complaint
from tousu.complaints.services.common import recompute_dues
from tousu.complaints.states import OPEN


def recompute_after_calendar_change(*, actor: object = None, changed_from: dt.date | None = None,
                                    batch: int = 500) -> int:
    """Recompute the due dates of every open complaint that a calendar change can affect: those
    marked provisional, and those with a running deadline on or after ``changed_from``. Returns how
    many changed. Each complaint is its own transaction, with its own event."""
    changed = 0
    affected = Q(dues_provisional=True)
    if changed_from:
        affected |= Q(due_at__gte=timezone.make_aware(dt.datetime.combine(changed_from, dt.time.min)))
    ids = list(Complaint.objects.filter(affected, status__in=OPEN).values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        for pk in ids[start:start + batch]:
            changed += _recompute_one(pk, actor)
    return changed


@transaction.atomic
def _recompute_one(pk: int, actor: object) -> int:
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("category", "grade").get(pk=pk)
    before = {kind: getattr(complaint, f) for kind, f in _fields(complaint)}
    was_provisional = complaint.dues_provisional
    moved = recompute_dues(complaint)
    if not moved and complaint.dues_provisional == was_provisional:
        return 0
    complaint.version += 1
    complaint.save()
    record_event(complaint, actor=actor, action="recompute_dues", from_status=complaint.status,
                 note="节假日安排导入后重新计算期限",
                 payload={"before": before, "after": {k: getattr(complaint, f) for k, f in _fields(complaint)},
                          "provisional": complaint.dues_provisional})
    return 1


def _fields(complaint: Complaint) -> list[tuple[str, str]]:
    from tousu.complaints.deadlines import DUE_FIELDS

    return [(kind, DUE_FIELDS[kind]) for kind in complaint.due_rules if kind in DUE_FIELDS]
