"""The government preset's own lifecycle (seed 004), walked over HTTP with due dates worked out by
hand on the 2026 calendar: National Day runs 1–7 October, Saturday 10 October is a working day."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import Walk, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_complaint_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("government", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 市场监管局, assigned (交办)
    created = walk.register("2026-09-30 10:00")
    # 004-25: 5 working days, the day of receipt not counted: 8, 9, 10 (Saturday, worked), 12, 13 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 13)
    walk.act("2026-09-30 11:00", "accept")
    dispatched = walk.act("2026-09-30 14:00", "dispatch")
    due = dispatched["due"]
    # 004-50: assign, 15 working days: … 23, 26, 27 Oct; 004-51: written report within 20: … 2, 3 Nov.
    assert due_day(due["handling"]) == D(2026, 10, 27)
    assert due_day(due["report_back"]) == D(2026, 11, 3)
    assert due_day(due["sign_for"]) == D(2026, 10, 8)  # ours: 1 working day
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-09 16:00", "submit_result")
    walk.act("2026-10-10 09:00", "approve")
    replied = walk.act("2026-10-10 10:00", "reply")
    # ours: follow-up within 5 working days of the reply (12–16 Oct); review window 15 natural days
    # from 10 Oct: Sunday 25 Oct is a rest day, so it ends on Monday 26 Oct (civil code art. 203).
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 16)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 26)
    closed = walk.act("2026-10-12 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_complaint_received_on_a_rest_day_counts_from_the_next_working_day(api_client, settings) -> None:
    users, demo = use_preset("government", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 住建局, transferred (转办)
    created = walk.register("2026-10-11 09:00")  # a Sunday
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 16)  # 12, 13, 14, 15, 16 Oct
    walk.act("2026-10-12 09:00", "accept")
    dispatched = walk.act("2026-10-12 10:00", "dispatch")
    # 004-49: transfer, 10 working days: 13–16, 19–23, 26 Oct.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 26)
    assert dispatched["due"]["report_back"] is None
