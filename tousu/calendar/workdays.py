"""Chinese working-day arithmetic (SPEC §6). Pure: no Django, no database.

Statutory holidays and make-up working days (调休) come from the ``chinese-calendar`` package for
the years it covers; administrators' overrides are laid over them. A year with no data counts
weekends only and every answer touching it is *provisional*.

Every day from ``FIRST`` to ``LAST`` gets an ordinal: the number of working days up to and
including it. Adding N working days is then one bisection, and counting working days between two
dates one subtraction.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import chinese_calendar

FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2099, 12, 31)
_FIRST_ORD = FIRST.toordinal()

# chinese-calendar's English holiday names → the names used on Chinese schedules.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class DateOutOfRange(ValueError):
    """A date outside the calendar's range (2000–2099)."""


@dataclass(frozen=True)
class DayInfo:
    working: bool
    holiday: str | None
    provisional: bool


def package_years() -> set[int]:
    """The years chinese-calendar has statutory data for."""
    years = {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}
    return set(range(min(years), max(years) + 1))


def package_days() -> dict[dt.date, tuple[bool, str | None]]:
    """Every day the package marks specially: holidays (not working) and make-up working days."""
    days: dict[dt.date, tuple[bool, str | None]] = {}
    for day, name in chinese_calendar.holidays.items():
        days[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        days[day] = (True, HOLIDAY_NAMES.get(name, name))
    return days


class WorkCalendar:
    """Working days with statutory holidays, 调休 and overrides, precomputed for 2000–2099.

    ``special`` maps a date to (working, name) where it differs from a plain Monday-to-Friday week
    (or restates it); ``covered`` is the set of years whose schedule is known (not provisional).
    """

    def __init__(self, special: Mapping[dt.date, tuple[bool, str | None]], covered: Iterable[int]) -> None:
        self.covered = frozenset(covered)
        self.special = dict(special)
        size = LAST.toordinal() - _FIRST_ORD + 1
        working = bytearray(size)
        cum: list[int] = [0] * size
        total = 0
        first_weekday = FIRST.weekday()
        for i in range(size):
            working[i] = (first_weekday + i) % 7 < 5
        for day, (is_working, _name) in self.special.items():
            if FIRST <= day <= LAST:
                working[day.toordinal() - _FIRST_ORD] = bool(is_working)
        for i in range(size):
            total += working[i]
            cum[i] = total
        self._working = working
        self._cum = cum

    @classmethod
    def from_package(
        cls, overrides: Mapping[dt.date, tuple[bool, str | None]] | None = None, extra_years: Iterable[int] = ()
    ) -> WorkCalendar:
        special = package_days()
        special.update(overrides or {})
        return cls(special, package_years() | set(extra_years))

    # -- lookups ---------------------------------------------------------------------------
    def _index(self, day: dt.date) -> int:
        if isinstance(day, dt.datetime):
            day = day.date()
        if not FIRST <= day <= LAST:
            raise DateOutOfRange(f"{day.isoformat()} is outside the calendar (2000-01-01 … 2099-12-31)")
        return day.toordinal() - _FIRST_ORD

    def is_working(self, day: dt.date) -> bool:
        return bool(self._working[self._index(day)])

    def is_provisional(self, *days: dt.date) -> bool:
        """True if any year from the earliest to the latest of ``days`` has no known schedule."""
        years = [d.year for d in days]
        return any(y not in self.covered for y in range(min(years), max(years) + 1))

    def info(self, day: dt.date) -> DayInfo:
        working = self.is_working(day)
        name = self.special.get(day, (working, None))[1]
        return DayInfo(working=working, holiday=None if working else name, provisional=self.is_provisional(day))

    # -- arithmetic ------------------------------------------------------------------------
    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted, civil code
        art. 201). ``days`` = 0 gives ``start`` if it is a working day, else the next one."""
        # The hot path of every due date: one ordinal, one bisection, no helper calls.
        i = start.toordinal() - _FIRST_ORD
        if not 0 <= i < len(self._cum) or days < 0:
            self._index(start)  # raises DateOutOfRange with the readable message
            raise ValueError("days must not be negative")
        cum = self._cum
        target = cum[i] + days if days else cum[i] + (not self._working[i])
        j = bisect_left(cum, target, i)
        if j >= len(cum):
            raise DateOutOfRange(f"{days} working days after {start.isoformat()} is beyond 2099-12-31")
        return dt.date.fromordinal(j + _FIRST_ORD)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` < ``start``)."""
        return self._cum[self._index(end)] - self._cum[self._index(start)]

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day on or after ``day`` (civil code art. 203: a period whose last day is
        a rest day ends on the first working day after it)."""
        return self.add_working_days(day, 0)
