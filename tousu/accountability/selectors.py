"""A complaint's responsibility determination as the API and the page show it: names, not codes,
with each share's percentage and apportioned amount, and the deadline the preset sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Annotated

from pydantic import Field
from typing_extensions import TypedDict

from tousu.accountability.models import Determination
from tousu.accountability.money import shown
from tousu.calendar.store import current as calendar
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active


class ShareRow(TypedDict):
    unit: Annotated[str | None, Field(description="责任单位代码")]
    unit_name: str
    person: Annotated[str | None, Field(description="责任人用户名")]
    person_name: str
    percent: Annotated[str, Field(description="责任份额（%）；除不尽的以…结尾，如 33.33…")]
    amount: Annotated[Decimal, Field(description="分摊的损失金额（元）；各项之和恰为损失金额")]


class DeterminationRow(TypedDict):
    id: int
    liable: bool
    reasons: list[str]
    reason_names: list[str]
    loss: Decimal
    shares: list[ShareRow]
    panel: Annotated[list[str], Field(description="认定小组成员姓名")]
    decided_on: dt.date
    note: str
    recorded_by: str
    due: Annotated[dt.date | None, Field(description="预设规定的认定期限（办结后若干工作日）；未规定为空")]
    late: bool


def due_on(c: Complaint) -> dt.date | None:
    """The day by which the determination is due: the preset's working days after closure."""
    days = active().accountability.due_working_days
    if days is None or c.closed_at is None:
        return None
    from django.utils import timezone

    return calendar().add_working_days(timezone.localdate(c.closed_at), days)


def determination_of(c: Complaint) -> DeterminationRow | None:
    d = (
        Determination.objects.filter(complaint=c, superseded=False)
        .select_related("recorded_by")
        .prefetch_related("panel", "shares__unit", "shares__person")
        .first()
    )
    if d is None:
        return None
    preset = active().accountability
    names = {r.code: r.name for r in (*preset.liable_reasons, *preset.not_liable_reasons)}
    due = due_on(c)
    return {
        "id": d.pk,
        "liable": d.liable,
        "reasons": list(d.reasons),
        "reason_names": [names.get(code, code) for code in d.reasons],
        "loss": d.loss,
        "shares": [
            {
                "unit": s.unit.code if s.unit else None,
                "unit_name": s.unit.name if s.unit else "",
                "person": s.person.username if s.person else None,
                "person_name": str(s.person) if s.person else "",
                "percent": shown(Fraction(s.numerator, s.denominator)),
                "amount": s.amount,
            }
            for s in d.shares.all()
        ],
        "panel": [str(u) for u in sorted(d.panel.all(), key=lambda u: u.pk)],
        "decided_on": d.decided_on,
        "note": d.note,
        "recorded_by": str(d.recorded_by),
        "due": due,
        "late": due is not None and d.decided_on > due,
    }
