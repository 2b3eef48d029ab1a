"""Reads of the reply check: a complaint's demand items, and the reply-quality figure per unit."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from tousu.accounts.models import Unit
from tousu.complaints.models import Complaint
from tousu.replycheck.models import DemandItem
from tousu.replycheck.rows import DemandItemRow, ReplyQualityRow
from tousu.replycheck.services import EDIT
from tousu.replycheck.split import split_demands


def demand_items_of(c: Complaint) -> list[DemandItemRow]:
    """The complaint's demand items and how the last result or reply met each. A complaint from
    before items existed shows its demands as they would be split (stored at its first check)."""
    items = list(DemandItem.objects.filter(complaint=c).order_by("position"))
    if items or not c.demands.strip() or c.events.filter(action=EDIT).exists():
        return [
            {
                "position": i.position,
                "text": i.text,
                "state": i.state,  # type: ignore[typeddict-item]
                "reason": i.reason,
                "evidence": i.evidence,
                "checked_for": i.checked_for,
                "checked_at": i.checked_at,
            }
            for i in items
        ]
    return [
        {
            "position": n,
            "text": text,
            "state": "open",
            "reason": "",
            "evidence": {},
            "checked_for": "",
            "checked_at": None,
        }
        for n, text in enumerate(split_demands(c.demands), 1)
    ]


def reply_quality(unit: Unit | str | None = None, since: dt.datetime | None = None) -> list[ReplyQualityRow]:
    """Per handling unit, of the demand items its results and replies were checked against (since
    ``since``): how many were answered in the text, how many declined with a reason, and the share
    answered without being declined. ``unit`` (a unit or its code) limits it to that unit and the
    units under it. Units with nothing checked are left out."""
    rows = DemandItem.objects.exclude(checked_for="").filter(complaint__handling_unit__isnull=False)
    if since is not None:
        rows = rows.filter(checked_at__gte=since)
    if unit is not None:
        top = unit if isinstance(unit, Unit) else Unit.objects.filter(code=unit).first()
        if top is None:
            return []
        rows = rows.filter(complaint__handling_unit__path__startswith=top.path)
    counted = (
        rows.values("complaint__handling_unit__code", "complaint__handling_unit__name")
        .annotate(
            items=Count("id"),
            answered=Count("id", filter=Q(state=DemandItem.State.ANSWERED)),
            declined=Count("id", filter=Q(state=DemandItem.State.DECLINED)),
        )
        .order_by("complaint__handling_unit__code")
    )
    return [
        {
            "unit": r["complaint__handling_unit__code"],
            "unit_name": r["complaint__handling_unit__name"],
            "items": r["items"],
            "answered": r["answered"],
            "declined": r["declined"],
            "share_answered": round(r["answered"] / r["items"], 4) if r["items"] else 0.0,
        }
        for r in counted
    ]
