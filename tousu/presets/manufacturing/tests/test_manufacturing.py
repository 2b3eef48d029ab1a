"""The manufacturing preset's own lifecycle (TX02-13 and the 8D procedure of seed 001), walked over
HTTP with due moments worked out by hand on the 2026 calendar: National Day runs 1–7 October,
Sunday 20 September and Saturday 10 October are working days. Hour periods (12-hour analysis,
24-hour reply) run through nights, weekends and holidays; they are asserted to the minute."""

import datetime as dt

import pytest

from tousu.presets import REGISTRY
from tousu.presets.tests.walk import BEIJING, Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def moment(iso: str | None) -> dt.datetime | None:
    """A due moment of an API answer, in Beijing time."""
    return None if iso is None else dt.datetime.fromisoformat(iso).astimezone(BEIJING)


def test_a_quality_complaint_received_the_afternoon_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 铸造车间, assigned (交办): porous housings
    created = walk.register("2026-09-30 16:00")
    # ours: acceptance within 2 clock hours: 18:00 the same day.
    assert moment(created["due"]["acceptance"]) == at("2026-09-30 18:00")
    assert created["custom"]["defect_qty"] == "62"
    walk.act("2026-09-30 16:30", "accept", grade="MF-batch")  # 004-87: ≥ 50 returned of one model and date
    dispatched = walk.act("2026-09-30 17:00", "dispatch")
    due = dispatched["due"]
    # 001-52: the production analysis within 12 hours of dispatch: 1 October 05:00 (a holiday; hours
    # are not moved). 001-55: the final reply within 24 hours of receiving the complaint (not of
    # dispatch): 1 October 16:00. Sign for: 1 hour.
    assert moment(due["report_back"]) == at("2026-10-01 05:00")
    assert moment(due["handling"]) == at("2026-10-01 16:00")
    assert moment(due["sign_for"]) == at("2026-09-30 18:00")
    walk.act("2026-09-30 17:20", "sign")
    walk.act("2026-10-01 04:30", "submit_result")
    walk.act("2026-10-01 09:00", "approve")  # the QA department signs (001-54; the GM's signature is a duty)
    replied = walk.act("2026-10-01 10:00", "reply")  # a phone complaint answered orally (001-53)
    # ours: follow-up within 3 working days of 1 October: 8, 9, 10 (Saturday, worked) October.
    # ours: review window 15 natural days: Friday 16 October.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 10)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 16)
    closed = walk.act("2026-10-08 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_complaint_received_on_a_sunday_runs_through_the_night(api_client, settings) -> None:
    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=1)  # 机加车间, assigned: bores out of tolerance
    created = walk.register("2026-03-08 09:00")  # Sunday
    assert moment(created["due"]["acceptance"]) == at("2026-03-08 11:00")
    walk.act("2026-03-08 09:30", "accept")
    dispatched = walk.act("2026-03-08 10:00", "dispatch")
    # Hours count on a rest day too: analysis by 22:00 Sunday (12 h from dispatch), final reply by
    # 09:00 Monday (24 h from receipt at 09:00 Sunday).
    assert moment(dispatched["due"]["report_back"]) == at("2026-03-08 22:00")
    assert moment(dispatched["due"]["handling"]) == at("2026-03-09 09:00")
    assert moment(dispatched["due"]["sign_for"]) == at("2026-03-08 11:00")
    walk.act("2026-03-08 10:30", "sign")
    walk.act("2026-03-08 21:00", "submit_result")
    walk.act("2026-03-09 08:30", "approve")
    replied = walk.act("2026-03-09 09:30", "reply")
    # Follow-up: 10, 11, 12 March; review window 15 natural days from 9 March: Tuesday 24 March.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 3, 12)
    assert due_day(replied["due"]["review_window"]) == D(2026, 3, 24)
    closed = walk.act("2026-03-10 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_written_complaint_gets_a_written_reply_and_its_review_window_skips_national_day(
    api_client, settings
) -> None:
    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=6)  # 仓储物流部, transferred (转办): late delivery
    walk.register("2026-09-15 10:00", channel="letter")
    walk.act("2026-09-15 10:30", "accept")
    dispatched = walk.act("2026-09-15 11:00", "dispatch")
    assert dispatched["due"]["report_back"] is None  # only assigned quality cases report back in 12 h
    assert moment(dispatched["due"]["handling"]) == at("2026-09-16 10:00")  # 24 h from receipt
    walk.act("2026-09-15 11:30", "sign")
    walk.act("2026-09-15 16:00", "submit_result")
    walk.act("2026-09-16 09:00", "approve")  # by the head of 仓储物流部
    handler = users["logistics"]
    version = api_client.get(handler, f"/complaints/{walk.number}").json()["version"]
    oral = api_client.post(
        handler, f"/complaints/{walk.number}/reply", {"version": version, "method": "phone", "text": "已电话说明"}
    )
    assert oral.status_code == 422  # 001-51: a written complaint is answered in writing
    replied = walk.act("2026-09-16 10:00", "reply", method="letter")
    # Follow-up 3 working days: 17, 18 and Sunday 20 September (worked). Review window 15 natural
    # days from 16 September: 1 October, a holiday to 7 October, so it ends on Thursday 8 October.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 9, 20)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 8)


def test_the_8d_duties_incident_grades_and_fields(api_client, settings) -> None:
    users, demo = use_preset("manufacturing", settings)
    preset = REGISTRY["manufacturing"]
    steps = [d.name.split()[0] for d in preset.duties if d.name.startswith("D")]
    assert steps == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    assert any("后三批" in d.text for d in preset.duties) and any("总经理" in d.name + d.text for d in preset.duties)
    reference = api_client.get(users["center"], "/reference").json()
    assert {r["code"]: r["label"] for r in reference["roles"]}["quality"] == "质量技术部长"
    grades = {g["code"]: g["description"] for g in reference["grades"]}
    assert "同一型号同一生产日期数量大于等于50件" in grades["MF-batch"]
    assert "大于等于2万元" in grades["MF-major"]
    fields = {f["code"]: f["label"] for f in reference["custom_fields"]}
    assert [fields[c] for c in ("part_no", "batch_no", "order_no", "customer")] == [
        "零件号/型号",
        "批号",
        "订单号",
        "客户",
    ]
    suggestion = Walk(api_client, users, demo, sample=5)
    suggestion.register("2026-09-15 10:00", kind="suggestion")
    suggestion.act("2026-09-15 10:30", "accept")
    dispatched = suggestion.act("2026-09-15 11:00", "dispatch")
    # ours: a suggestion within 5 working days: 16, 17, 18, 20 (Sunday, worked), 21 September.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 9, 21)
