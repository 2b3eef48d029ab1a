"""Reporting periods (SPEC §11): a month, a quarter, a half-year, a year, or a span of days, in
Beijing time. A complaint belongs to the period its ``received_at`` falls in, read on the Beijing
calendar: one received at 23:59 on 30 November (Beijing) is November's, even though it is
15:59 UTC."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.core.errors import ValidationFailed

# Fixed, not settings.TIME_ZONE: the periods of the regulators' tables are Beijing's days.
BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2099
# The longest span of days one request may ask for (ten years).
MAX_DAYS = 3660

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_HALF = re.compile(r"^(\d{4})-?H([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)  # an ISO week, Monday to Sunday


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included, and how they are named."""

    first: dt.date
    last: dt.date
    code: str  # 2026-11, 2026-Q4, 2026-H2, 2026, 2026-11-03..2026-11-20
    label: str  # 2026年11月

    @property
    def start(self) -> dt.datetime:
        """00:00 Beijing time on the first day."""
        return dt.datetime.combine(self.first, dt.time(), tzinfo=BEIJING)

    @property
    def end(self) -> dt.datetime:
        """00:00 Beijing time on the day after the last: the period is [start, end)."""
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=BEIJING)

    def received(self, prefix: str = "") -> Q:
        """The complaints received in the period (``prefix``: the path to the complaint)."""
        return Q(**{f"{prefix}received_at__gte": self.start, f"{prefix}received_at__lt": self.end})

    def months(self) -> list[dt.date]:
        """The first day of every calendar month the period touches."""
        out, month = [], self.first.replace(day=1)
        while month <= self.last:
            out.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return out


def _year(text: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(_("年份须在%(a)d至%(b)d之间") % {"a": FIRST_YEAR, "b": LAST_YEAR}, field="period")
    return year


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def parse(text: str) -> Period:
    """``2026-11`` (a month), ``2026-Q4`` (a quarter), ``2026-H2`` (a half-year), ``2026`` (a year).
    Anything else is a ValidationFailed with a Chinese message, never a 500."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        year, month = _year(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValidationFailed(_("月份须在1至12之间"), field="period")
        return Period(
            dt.date(year, month, 1),
            _month_end(year, month),
            f"{year}-{month:02d}",
            _("%(y)d年%(m)d月") % {"y": year, "m": month},
        )
    if m := _QUARTER.match(text):
        year, q = _year(m[1]), int(m[2])
        return Period(
            dt.date(year, 3 * q - 2, 1),
            _month_end(year, 3 * q),
            f"{year}-Q{q}",
            _("%(y)d年第%(q)d季度") % {"y": year, "q": q},
        )
    if m := _HALF.match(text):
        year, h = _year(m[1]), int(m[2])
        label = _("%(y)d年上半年") if h == 1 else _("%(y)d年下半年")
        return Period(dt.date(year, 6 * h - 5, 1), _month_end(year, 6 * h), f"{year}-H{h}", label % {"y": year})
    if m := _WEEK.match(text):
        year, week = _year(m[1]), int(m[2])
        try:
            monday = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValidationFailed(
                _("周次有误：%(y)d年没有第%(w)d周") % {"y": year, "w": week}, field="period"
            ) from None
        return Period(
            monday, monday + dt.timedelta(days=6), f"{year}-W{week:02d}", _("%(y)d年第%(w)d周") % {"y": year, "w": week}
        )
    if m := _YEAR.match(text):
        year = _year(m[1])
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), str(year), _("%(y)d年") % {"y": year})
    raise ValidationFailed(
        _("统计期间格式有误：请填写如 2026-11（月）、2026-Q4（季度）、2026-H2（半年）或 2026（年）"), field="period"
    )


def containing(day: dt.date, unit: str) -> Period:
    """The calendar month, quarter, half-year or year (``unit``) that ``day`` falls in."""
    code = {
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "half": f"{day.year}-H{(day.month - 1) // 6 + 1}",
        "year": str(day.year),
    }[unit]
    return parse(code)


def span(first: str, last: str) -> Period:
    """The days ``first`` to ``last`` (ISO dates, both included)."""
    try:
        a, b = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError:
        raise ValidationFailed(_("起止日期格式有误，应为 2026-11-01 这样的日期"), field="from") from None
    for year in (a.year, b.year):
        _year(str(year))
    if a > b:
        raise ValidationFailed(_("开始日期不能晚于结束日期"), field="from")
    if (b - a).days > MAX_DAYS:
        raise ValidationFailed(_("统计期间不能超过十年"), field="from")
    return Period(
        a, b, f"{a.isoformat()}..{b.isoformat()}", _("%(a)s 至 %(b)s") % {"a": a.isoformat(), "b": b.isoformat()}
    )


def resolve(period: str = "", first: str = "", last: str = "", today: dt.date | None = None) -> Period:
    """The period a request names: ``from``/``to`` if either is given, else ``period``, else the
    current month (Beijing)."""
    if first or last:
        if not (first and last):
            raise ValidationFailed(_("请同时填写开始日期和结束日期"), field="from" if not first else "to")
        return span(first, last)
    if period:
        return parse(period)
    today = today or timezone.now().astimezone(BEIJING).date()
    return parse(f"{today.year}-{today.month:02d}")
