"""Working-day arithmetic: property tests against a day-by-day reference, and the 2026 schedule."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tousu.calendar.workdays import DateOutOfRange, WorkCalendar

CAL = WorkCalendar.from_package()
covered_days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2026, 10, 31))
counts = st.integers(min_value=0, max_value=200)


def reference_add(start: dt.date, n: int) -> dt.date:
    day, left = start, n
    while left:
        day += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    return day


def reference_between(start: dt.date, end: dt.date) -> int:
    return sum(chinese_calendar.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


@settings(max_examples=300, deadline=None)
@given(start=covered_days, n=st.integers(min_value=1, max_value=40))
def test_adding_agrees_with_a_day_by_day_reference(start, n):
    assert CAL.add_working_days(start, n) == reference_add(start, n)


@settings(max_examples=300, deadline=None)
@given(start=covered_days, span=st.integers(min_value=0, max_value=120))
def test_counting_agrees_with_a_day_by_day_reference(start, span):
    end = start + dt.timedelta(days=span)
    if end.year > 2026:
        return
    assert CAL.working_days_between(start, end) == reference_between(start, end)


@settings(deadline=None)
@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2098, 1, 1)), n=st.integers(1, 200))
def test_adding_then_counting_round_trips_and_lands_on_a_working_day(start, n):
    end = CAL.add_working_days(start, n)
    assert CAL.is_working(end)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(start, end - dt.timedelta(days=1)) == n - 1


@settings(deadline=None)
@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2098, 1, 1)), a=counts, b=counts)
def test_adding_is_monotonic(start, a, b):
    if a <= b:
        assert CAL.add_working_days(start, a) <= CAL.add_working_days(start, b)


def test_every_day_2004_to_2026_matches_the_package():
    day = dt.date(2004, 1, 1)
    while day <= dt.date(2026, 12, 31):
        assert CAL.is_working(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "day, working, name",
    [
        (dt.date(2026, 9, 25), False, "中秋节"),
        (dt.date(2026, 9, 27), False, None),
        (dt.date(2026, 9, 20), True, None),  # Sunday, make-up working day
        (dt.date(2026, 10, 1), False, "国庆节"),
        (dt.date(2026, 10, 7), False, "国庆节"),
        (dt.date(2026, 10, 10), True, None),  # Saturday, make-up working day
        (dt.date(2026, 2, 15), False, "春节"),
        (dt.date(2026, 2, 23), False, "春节"),
        (dt.date(2026, 2, 14), True, None),
        (dt.date(2026, 2, 28), True, None),
    ],
)
def test_the_published_2026_schedule(day, working, name):
    info = CAL.info(day)
    assert info.working is working and not info.provisional
    if name:
        assert info.holiday == name


def test_examples_across_2026_holidays():
    assert CAL.add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert CAL.add_working_days(dt.date(2026, 9, 24), 1) == dt.date(2026, 9, 28)
    assert CAL.add_working_days(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert CAL.add_working_days(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)
    assert CAL.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3  # 10-08, 10-09, 10-10
    assert CAL.next_working_day(dt.date(2026, 10, 3)) == dt.date(2026, 10, 8)


def test_a_year_without_data_counts_weekends_only_and_is_provisional():
    assert CAL.is_working(dt.date(2027, 1, 1))  # a Friday: no data, so a working day for now
    assert CAL.info(dt.date(2027, 1, 1)).provisional
    assert CAL.is_provisional(dt.date(2026, 12, 20), dt.date(2027, 3, 1))
    assert not CAL.is_provisional(dt.date(2026, 12, 20))
    imported = WorkCalendar.from_package({dt.date(2027, 1, 1): (False, "元旦")}, extra_years=[2027])
    assert not imported.is_working(dt.date(2027, 1, 1)) and not imported.info(dt.date(2027, 1, 1)).provisional


def test_it_never_crashes_on_a_date_but_refuses_out_of_range_clearly():
    with pytest.raises(DateOutOfRange, match="outside the calendar"):
        CAL.add_working_days(dt.date(1999, 12, 31), 1)
    with pytest.raises(DateOutOfRange):
        CAL.add_working_days(dt.date(2099, 12, 1), 400)
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.date(2026, 1, 1), -1)
