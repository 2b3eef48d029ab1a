"""The calendar in force: chinese-calendar plus the administrators' data, cached per process.

Every change bumps ``CalendarYear``/``CalendarDay`` rows; a process rebuilds its calendar when the
fingerprint of those tables changes, checked at most every few seconds, so several web workers
agree without a shared cache.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from tousu.calendar.models import CalendarDay, CalendarYear
from tousu.calendar.workdays import FIRST, LAST, WorkCalendar

CHECK_EVERY_SECONDS = 5.0
_lock = threading.Lock()
_cached: tuple[tuple, WorkCalendar] | None = None
_checked_at = 0.0
# The calendar of a change not yet committed, for the thread that makes it (``as_changed``).
_uncommitted = threading.local()


def _fingerprint() -> tuple:
    days = CalendarDay.objects.aggregate(n=Count("id"), last=Max("changed_at"))
    years = CalendarYear.objects.aggregate(n=Count("year"), last=Max("imported_at"))
    return days["n"], days["last"], years["n"], years["last"]


def _build() -> WorkCalendar:
    overrides = {d.date: (d.working, d.name or None) for d in CalendarDay.objects.all()}
    return WorkCalendar.from_package(overrides, CalendarYear.objects.values_list("year", flat=True))


def current(*, fresh: bool = False) -> WorkCalendar:
    """The calendar in force. ``fresh`` re-reads the fingerprint now (after a change). Inside
    ``as_changed``, the calendar as this thread's transaction has changed it."""
    global _cached, _checked_at
    pending = getattr(_uncommitted, "calendar", None)
    if pending is not None:
        return pending
    now = time.monotonic()
    with _lock:
        if _cached is not None and not fresh and now - _checked_at < CHECK_EVERY_SECONDS:
            return _cached[1]
        stamp = _fingerprint()
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _build())
        _checked_at = now
        return _cached[1]


@contextmanager
def as_changed() -> Iterator[WorkCalendar]:
    """Within the transaction that changed the calendar: this thread counts with the calendar as
    that transaction has it, so the due dates it recomputes commit (or roll back) with the change.
    The process's cache is not touched: no other thread counts with a change that may yet roll
    back, and ``import_schedule``/``set_day`` refresh the cache once it has committed."""
    _uncommitted.calendar = _build()
    try:
        yield _uncommitted.calendar
    finally:
        _uncommitted.calendar = None


class ScheduleError(ValueError):
    """An import file that cannot be read; nothing was changed. The message is the one the
    administrator reads (in the UI's language), naming the line or the event at fault."""


@dataclass(frozen=True)
class ScheduleDay:
    date: dt.date
    working: bool
    name: str


_WORKING_WORDS = {"班", "上班", "工作日", "补班", "work", "working", "workday", "1", "true", "yes"}
_REST_WORDS = {"休", "休息", "假", "放假", "节假日", "holiday", "rest", "off", "0", "false", "no"}


def parse_csv(text: str) -> list[ScheduleDay]:
    """Rows ``date,status[,name]``: status 休/放假/holiday or 班/补班/work. A header row is allowed."""
    days = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        if not row or not "".join(row).strip() or row[0].strip().startswith("#"):
            continue
        try:
            day = dt.date.fromisoformat(row[0].strip())
        except ValueError:
            if lineno == 1:
                continue  # header
            raise ScheduleError(
                _("第%(line)d行：「%(value)s」不是日期，日期应写作 YYYY-MM-DD")
                % {"line": lineno, "value": row[0].strip()}
            ) from None
        status = row[1].strip().lower() if len(row) > 1 else ""
        if status in _WORKING_WORDS:
            working = True
        elif status in _REST_WORDS:
            working = False
        else:
            raise ScheduleError(
                _("第%(line)d行：安排「%(value)s」无法识别，应为休、放假（holiday）或班、补班（work）")
                % {"line": lineno, "value": status}
            )
        days.append(ScheduleDay(day, working, row[2].strip()[:60] if len(row) > 2 else ""))
    return days


def parse_ics(text: str) -> list[ScheduleDay]:
    """VEVENTs with all-day DTSTART/DTEND; a SUMMARY containing 班 marks make-up working days."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    days = []
    for block in re.findall(r"BEGIN:VEVENT(.*?)END:VEVENT", unfolded, flags=re.S):
        fields = {}
        for line in block.strip().splitlines():
            key, _, value = line.partition(":")
            fields[key.split(";")[0].upper()] = value.strip()
        summary = fields.get("SUMMARY", "")
        try:
            start = dt.datetime.strptime(fields["DTSTART"][:8], "%Y%m%d").date()
            end = dt.datetime.strptime(fields.get("DTEND", fields["DTSTART"])[:8], "%Y%m%d").date()
        except (KeyError, ValueError):
            raise ScheduleError(
                _("日程「%(summary)s」没有可读的全天开始日期（DTSTART）") % {"summary": summary}
            ) from None
        end = max(end, start + dt.timedelta(days=1))  # DTEND is exclusive for all-day events
        working = "班" in summary or "work" in summary.lower()
        name = re.sub(r"[((]?(休|班|放假|补班|上班)[))]?", "", summary).strip()[:60]
        day = start
        while day < end:
            days.append(ScheduleDay(day, working, name))
            day += dt.timedelta(days=1)
    if not days:
        raise ScheduleError(_("文件中没有带日期的日程（VEVENT）"))
    return days


@transaction.atomic
def import_schedule(days: list[ScheduleDay], *, source: str, actor: object = None) -> list[int]:
    """Store a year's schedule: every listed day, and the years as known. Returns those years."""
    if not days:
        raise ScheduleError(_("文件中没有列出任何日期"))
    for d in days:
        if not FIRST <= d.date <= LAST:
            raise ScheduleError(_("%(day)s 超出日历的范围（2000–2099 年）") % {"day": d.date})
    years = sorted({d.date.year for d in days})
    # The actor is any user (the calendar imports nothing of accounts), stored by its id.
    for d in days:
        CalendarDay.objects.update_or_create(
            date=d.date,
            defaults={
                "working": d.working,
                "name": d.name,
                "source": source[:120],
                "changed_by_id": getattr(actor, "pk", None) or None,
            },
        )
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:200]})
    transaction.on_commit(lambda: current(fresh=True))
    return years


@transaction.atomic
def set_day(day: dt.date, *, working: bool | None, name: str = "", actor: object = None) -> None:
    """Override one day (``working`` None removes the override)."""
    if not FIRST <= day <= LAST:
        raise ScheduleError(_("%(day)s 超出日历的范围（2000–2099 年）") % {"day": day})
    if working is None:
        CalendarDay.objects.filter(date=day).delete()
    else:
        CalendarDay.objects.update_or_create(
            date=day,
            defaults={
                "working": working,
                "name": name[:60],
                "source": "admin",
                "changed_by_id": getattr(actor, "pk", None) or None,
            },
        )
    transaction.on_commit(lambda: current(fresh=True))


def reset() -> None:
    """Forget the cached calendar (tests, after restoring the database)."""
    global _cached, _checked_at
    with _lock:
        _cached, _checked_at = None, 0.0


def summary() -> dict:
    """What administration shows: known years, overrides, and the years that are provisional."""
    cal = current()
    this_year = dt.date.today().year
    return {
        "covered_years": sorted(cal.covered),
        "imported_years": list(CalendarYear.objects.values_list("year", flat=True)),
        "overrides": CalendarDay.objects.count(),
        "provisional_years": [y for y in range(this_year, this_year + 3) if y not in cal.covered],
    }
