"""/api/v1/calendar: working-day arithmetic and calendar administration (SPEC §6, §13)."""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, BetweenOut, CalendarOverview, DayChanged, DayOut, ImportOut, WorkingDayOut, contract
from tousu.calendar import store
from tousu.calendar.workdays import DateOutOfRange
from tousu.complaints.models import Complaint
from tousu.complaints.services import timekeeping
from tousu.core.errors import ValidationFailed

router = Router(tags=["calendar"])


_T = TypeVar("_T")


def _checked(fn: Callable[..., _T], *args: Any) -> _T:
    try:
        return fn(*args)
    except DateOutOfRange:  # its own message is English, for developers
        raise ValidationFailed(_("超出日历的范围（2000-01-01 至 2099-12-31）"), field="date") from None
    except ValueError as err:
        raise ValidationFailed(str(err), field="date") from None


class AddQuery(Schema):
    start: dt.date
    days: int = Field(..., ge=0, le=5000)


@router.get("/working-days", **contract({200: WorkingDayOut}, 422), summary="N 个工作日后的日期")
def working_days(request: AuthedRequest, q: Query[AddQuery]) -> dict[str, Any]:
    cal = store.current()
    end = _checked(cal.add_working_days, q.start, q.days)
    return {"date": end.isoformat(), "provisional": cal.is_provisional(q.start, end)}


@router.get("/between", **contract({200: BetweenOut}, 422), summary="两个日期之间的工作日数")
def between(request: AuthedRequest, start: dt.date, end: dt.date) -> dict[str, Any]:
    cal = store.current()
    return {
        "working_days": _checked(cal.working_days_between, start, end),
        "provisional": cal.is_provisional(min(start, end), max(start, end)),
    }


@router.get("/days/{day}", **contract({200: DayOut}, 422), summary="某日是否工作日")
def day(request: AuthedRequest, day: dt.date) -> dict[str, Any]:
    info = _checked(store.current().info, day)
    return {"date": day.isoformat(), "working": info.working, "holiday": info.holiday, "provisional": info.provisional}


@router.get("", **contract({200: CalendarOverview}), summary="日历概况")
def overview(request: AuthedRequest) -> dict[str, Any]:
    return {**store.summary(), "provisional_complaints": Complaint.objects.filter(dues_provisional=True).count()}


class ImportIn(Schema):
    format: Literal["csv", "ics"] = Field("csv", description="csv：每行“日期,休或班[,名称]”；ics：iCalendar")
    content: str = Field(..., min_length=1, max_length=200_000)
    source: str = Field("", max_length=200)


@router.post("/import", **contract({200: ImportOut}, *BODY, 403), summary="导入节假日安排")
def import_schedule(request: AuthedRequest, body: ImportIn) -> dict[str, Any]:
    result = timekeeping.import_holiday_schedule(
        actor=request.auth, text=body.content, fmt=body.format, source=body.source
    )
    return {"years": result.years, "days": result.days, "recomputed": result.recomputed}


class DayIn(Schema):
    working: bool | None
    name: str = Field("", max_length=60)


@router.put("/days/{day}", **contract({200: DayChanged}, *BODY, 403), summary="调整某日")
def set_day(request: AuthedRequest, day: dt.date, body: DayIn) -> dict[str, Any]:
    moved = timekeeping.override_day(actor=request.auth, day=day, working=body.working, name=body.name)
    info = store.current().info(day)
    return {
        "date": day.isoformat(),
        "working": info.working,
        "holiday": info.holiday,
        "provisional": info.provisional,
        "recomputed": moved,
    }
