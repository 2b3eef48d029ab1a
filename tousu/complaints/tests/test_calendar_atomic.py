"""A calendar change and the recompute of the due dates it moves are one transaction: a failure
part-way through the recompute leaves the calendar as it was and no due date moved (and the
process's cached calendar never counted with the change)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tousu.calendar import store
from tousu.calendar.models import CalendarDay, CalendarYear
from tousu.complaints import dues
from tousu.complaints.audit import verify_audit
from tousu.complaints.dues import ACCEPTANCE, HANDLING, WORKING_DAYS, Rule, RulePolicy
from tousu.complaints.models import Complaint, Event
from tousu.complaints.services import timekeeping

pytestmark = pytest.mark.django_db(transaction=True)

SCHEDULE_2027 = "2027-01-01,休,元旦\n2027-02-10,休,春节\n2027-02-11,休,春节\n2027-02-20,班,春节\n"


@pytest.fixture
def cases(monkeypatch, org, register, walk) -> list[Complaint]:
    """Three complaints accepted on 2026-12-20 under a 60-working-day rule: due in March 2027, a
    year without a schedule yet, so every one of them is recomputed by a 2027 change."""
    rules = RulePolicy(
        [
            Rule(name="bank.acceptance", kind=ACCEPTANCE, amount=5, unit=WORKING_DAYS),
            Rule(name="bank.handling", kind=HANDLING, amount=60, unit=WORKING_DAYS, extension_cap=0),
        ]
    )
    monkeypatch.setattr(dues, "policy", lambda: rules)
    with time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        return [walk(register(), "accept") for _ in range(3)]


def due_dates() -> dict[int, tuple]:
    return {c.pk: (c.handling_due, c.due_at, c.dues_provisional, c.version) for c in Complaint.objects.order_by("pk")}


def fail_on_the_second_complaint(monkeypatch) -> list[int]:
    real, seen = timekeeping.recompute_one, []

    def recompute(pk: int, actor: object) -> int:
        seen.append(pk)
        if len(seen) == 2:
            raise RuntimeError("the database went away mid-recompute")
        return real(pk, actor)

    monkeypatch.setattr(timekeeping, "recompute_one", recompute)
    return seen


def test_a_failure_mid_recompute_leaves_the_imported_calendar_and_every_due_date_unchanged(monkeypatch, cases):
    before, events = due_dates(), Event.objects.count()
    seen = fail_on_the_second_complaint(monkeypatch)
    with pytest.raises(RuntimeError, match="mid-recompute"):
        timekeeping.import_holiday_schedule(actor=None, text=SCHEDULE_2027, fmt="csv", source="2027 通知")
    assert len(seen) == 2  # the first complaint had been recomputed inside the transaction
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.filter(year=2027).exists()
    assert due_dates() == before and Event.objects.count() == events
    assert 2027 not in store.current().covered and 2027 not in store.current(fresh=True).covered
    assert verify_audit().ok


def test_a_failure_mid_recompute_leaves_an_overridden_day_and_every_due_date_unchanged(monkeypatch, cases):
    before, events = due_dates(), Event.objects.count()
    fail_on_the_second_complaint(monkeypatch)
    with pytest.raises(RuntimeError):
        timekeeping.override_day(actor=None, day=dt.date(2027, 1, 4), working=False, name="地方节日")
    assert not CalendarDay.objects.exists()
    assert due_dates() == before and Event.objects.count() == events
    assert store.current().is_working(dt.date(2027, 1, 4))


def test_the_same_import_without_a_failure_moves_every_due_date_with_the_calendar(cases):
    before = due_dates()
    result = timekeeping.import_holiday_schedule(actor=None, text=SCHEDULE_2027, fmt="csv", source="2027 通知")
    assert result.years == [2027] and result.recomputed == 3
    after = due_dates()
    assert all(after[pk][0] > before[pk][0] and after[pk][2] is False for pk in before)
    assert 2027 in store.current().covered  # this process counts with it at once
    assert Event.objects.filter(action="recompute_dues").count() == 3 and verify_audit().ok
