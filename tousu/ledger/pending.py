"""The pending ledger (未了事宜台账, SPEC §11, seed 000-79, issue 16 §3): every open complaint the
reader may see, by handling unit, with the working days left before its current deadline or the
working days it is overdue — what a supervisor prints and works down every morning.

Each row is the list's row (``selectors.list_rows``: the redacted view hides the complainant where
it applies), with the unit's and the handler's names and the day count read off the working-day
calendar. The cases no unit holds yet (registered, accepted, awaiting dispatch) form the first
group, 「待分办」.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accounts.models import Unit, User
from tousu.accounts.services import get_unit
from tousu.calendar.store import current as calendar
from tousu.complaints import dues
from tousu.complaints.access import visible_complaints
from tousu.complaints.rows import ListRow
from tousu.complaints.selectors import list_rows
from tousu.complaints.states import OPEN


class PendingRow(TypedDict):
    row: ListRow
    status_name: str
    handler_name: str
    due_on: dt.date | None
    days: Annotated[
        int | None,
        Field(description="距当前期限的工作日数：正数为剩余，0 为今日到期，负数为已超期的工作日数；无期限为空"),
    ]
    supervised: Annotated[int, Field(description="督办次数")]


class PendingGroup(TypedDict):
    unit: Annotated[str | None, Field(description="承办单位代码；待分办为空")]
    unit_name: str
    count: int
    overdue: int
    rows: list[PendingRow]


class PendingLedger(TypedDict):
    today: dt.date
    unit: str | None
    unit_name: str
    total: int
    overdue: int
    groups: list[PendingGroup]


def days_to(due: dt.datetime | None, now: dt.datetime) -> int | None:
    """Working days from today to the deadline's day: positive left, 0 due today, negative overdue
    (a deadline that passed earlier today counts as 0 overdue days, shown as overdue by its timing)."""
    if due is None:
        return None
    today, day = timezone.localdate(now), timezone.localdate(due)
    if day >= today:
        return calendar().working_days_between(today, day)
    return -calendar().working_days_between(day, today)


def pending(actor: User, unit: str | None = None, now: dt.datetime | None = None) -> PendingLedger:
    """The ledger of ``actor``'s open complaints (``unit``: those its subtree handles), most urgent
    first within each unit; NotFound for an unknown unit."""
    now = now or timezone.now()
    where = get_unit(unit, field="unit") if unit else None
    qs = visible_complaints(actor).filter(status__in=OPEN)
    if where is not None:
        qs = qs.filter(handling_unit__path__startswith=where.path)
    complaints = list(
        qs.select_related("handling_unit", "handler", "category", "grade").order_by(
            "handling_unit__path", "due_at", "id"
        )
    )
    groups: dict[int | None, PendingGroup] = {}
    for c, row in zip(complaints, list_rows(actor, complaints), strict=True):
        key = c.handling_unit_id
        group = groups.get(key)
        if group is None:
            name = c.handling_unit.name if c.handling_unit else _("待分办（尚无承办单位）")
            group = groups[key] = {
                "unit": row["handling_unit"],
                "unit_name": name,
                "count": 0,
                "overdue": 0,
                "rows": [],
            }
        days = days_to(c.due_at, now)
        group["rows"].append(
            {
                "row": row,
                "status_name": c.get_status_display(),
                "handler_name": str(c.handler) if c.handler else "",
                "due_on": timezone.localdate(c.due_at) if c.due_at else None,
                "days": days,
                "supervised": c.supervise_count,
            }
        )
        group["count"] += 1
        group["overdue"] += row["timing"] == "overdue"
    ordered = sorted(groups.values(), key=lambda g: g["unit"] is not None)  # 待分办 first, then the tree
    return {
        "today": timezone.localdate(now),
        "unit": where.code if where else None,
        "unit_name": where.name if where else "",
        "total": sum(g["count"] for g in ordered),
        "overdue": sum(g["overdue"] for g in ordered),
        "groups": ordered,
    }


class DueCount(TypedDict):
    unit: str | None
    unit_name: str
    overdue: int
    due_soon: int


def due_by_unit(actor: User, unit: Unit | None = None, now: dt.datetime | None = None) -> list[DueCount]:
    """The open cases ``actor`` may see that are overdue, or due within ``dues.DUE_SOON_HOURS``,
    now, per handling unit (``unit``: its subtree), in one GROUP BY; the most overdue unit first,
    the cases no unit holds yet under an empty unit."""
    now = now or timezone.now()
    overdue, due_soon = dues.overdue_q(now), dues.due_soon_q(now)
    qs = visible_complaints(actor).filter(status__in=OPEN).filter(overdue | due_soon)
    if unit is not None:
        qs = qs.filter(handling_unit__path__startswith=unit.path)
    found = (
        qs.values("handling_unit__code", "handling_unit__name")
        .annotate(overdue=Count("id", filter=overdue), due_soon=Count("id", filter=due_soon))
        .order_by("-overdue", "-due_soon", "handling_unit__name")
    )
    return [
        {"unit": r["handling_unit__code"], "unit_name": r["handling_unit__name"] or "", "overdue": r["overdue"],
         "due_soon": r["due_soon"]}
        for r in found
    ]  # fmt: skip
