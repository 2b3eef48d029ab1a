"""The telecom preset's own lifecycle (工信部令第35号, seeds 002 and 004), walked over HTTP with due
moments worked out by hand on the 2026 calendar: National Day runs 1–7 October (Saturday 10 October
worked), the Dragon Boat Festival 19–21 June. The operator answers within 15 natural days; a period
whose last day is a rest day ends on the next working day (civil code art. 203); hour periods run
through weekends and holidays."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import BEIJING, Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def moment(iso: str | None) -> dt.datetime | None:
    """A due moment of an API answer, in Beijing time."""
    return None if iso is None else dt.datetime.fromisoformat(iso).astimezone(BEIJING)


def test_a_complaint_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("telecom", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 计费账务中心, assigned (交办), a fee dispute
    created = walk.register("2026-09-30 10:00")
    # ours: acceptance within 24 clock hours, not moved by the holiday: 1 Oct 10:00.
    assert moment(created["due"]["acceptance"]) == at("2026-10-01 10:00")
    assert created["custom"]["service_number"] == "13907310001"
    walk.act("2026-09-30 11:00", "accept")
    dispatched = walk.act("2026-09-30 14:00", "dispatch")
    due = dispatched["due"]
    # ours: sign for the work order within 4 hours: 18:00 the same day.
    assert moment(due["sign_for"]) == at("2026-09-30 18:00")
    # 工信部令第35号 art. 10(4): 15 natural days, 30 Sep not counted: 1 … 15 Oct, a Thursday (working).
    assert due_day(due["handling"]) == D(2026, 10, 15)
    assert due["report_back"] is None  # the preset sets no report-back deadline
    walk.act("2026-09-30 15:00", "sign")
    walk.act("2026-10-08 10:00", "submit_result")
    walk.act("2026-10-08 15:00", "approve")
    replied = walk.act("2026-10-09 10:00", "reply")
    # ours: return visit within 3 natural days: 12 Oct (Monday). Review window 30 natural days from
    # 9 Oct: 8 Nov is a Sunday, so it ends on Monday 9 Nov (civil code art. 203).
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 12)
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 9)
    closed = walk.act("2026-10-10 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_complaint_received_on_a_holiday_with_an_sp_check_that_pauses_the_clock(api_client, settings) -> None:
    users, demo = use_preset("telecom", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 增值业务部, an SP subscription the customer denies
    created = walk.register("2026-06-20 09:30")  # Saturday, Dragon Boat Festival
    # Hours run through the holiday: Sunday 21 June 09:30.
    assert moment(created["due"]["acceptance"]) == at("2026-06-21 09:30")
    walk.act("2026-06-20 10:00", "accept", category="TC020101")
    dispatched = walk.act("2026-06-20 10:30", "dispatch")
    assert moment(dispatched["due"]["sign_for"]) == at("2026-06-20 14:30")
    # 15 natural days from 20 June: 5 July is a Sunday, so the period ends on Monday 6 July.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 7, 6)
    walk.act("2026-06-22 09:00", "sign")
    # 002-17: the SP has three working days to answer; the wait is a suspension (sp_verification).
    walk.act("2026-06-22 10:00", "suspend", reason="sp_verification", note="已发布核查通知，等待SP反馈")
    resumed = walk.act("2026-06-25 10:00", "resume", note="SP已反馈")
    # Three natural days suspended (22 → 25 June) are added: 18 days from 20 June = Wednesday 8 July.
    assert due_day(resumed["due"]["handling"]) == D(2026, 7, 8)
    walk.act("2026-06-29 10:00", "submit_result")
    walk.act("2026-06-29 15:00", "approve")
    replied = walk.act("2026-06-30 10:00", "reply")
    # Follow-up 3 natural days: Friday 3 July; review window 30 natural days: Thursday 30 July.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 7, 3)
    assert due_day(replied["due"]["review_window"]) == D(2026, 7, 30)
    closed = walk.act("2026-07-01 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_an_upgraded_complaint_due_on_national_day_moves_to_the_next_working_day(api_client, settings) -> None:
    users, demo = use_preset("telecom", settings)
    walk = Walk(api_client, users, demo, sample=1)  # 计费账务中心
    created = walk.register(
        "2026-09-21 09:00",
        channel="upgraded",
        upgraded_source="通管局转办（省电信用户申诉受理中心）",
        flags=["ca_transfer"],
    )
    assert {"upgraded", "ca_transfer"} <= set(created["flags"])  # 002-32: the source is also a flag
    walk.act("2026-09-21 09:30", "accept")
    dispatched = walk.act("2026-09-21 10:00", "dispatch")
    # ours: an upgraded complaint within 10 natural days: 1 October, a public holiday; the holiday
    # runs to 7 October, so the period ends on Thursday 8 October.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 8)


def test_a_fault_report_is_due_in_hours_and_an_inquiry_in_a_day(api_client, settings) -> None:
    users, demo = use_preset("telecom", settings)
    fault = Walk(api_client, users, demo, sample=6)  # 网络运行维护部, a broadband fault report
    created = fault.register("2026-10-01 20:00")
    assert created["kind"] == "fault"
    fault.act("2026-10-01 20:10", "accept")
    dispatched = fault.act("2026-10-01 20:30", "dispatch")
    # ours: a fault report within 48 clock hours of dispatch, holiday or not: 3 October 20:30.
    assert moment(dispatched["due"]["handling"]) == at("2026-10-03 20:30")
    inquiry = Walk(api_client, users, demo, sample=7)
    inquiry.register("2026-10-02 08:00", kind="inquiry")
    inquiry.act("2026-10-02 08:05", "accept")
    answered = inquiry.act("2026-10-02 08:15", "dispatch")
    assert moment(answered["due"]["handling"]) == at("2026-10-03 08:15")  # ours: 24 hours


def test_a_fee_dispute_over_five_months_old_is_declined_with_its_template(api_client, settings) -> None:
    users, demo = use_preset("telecom", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-09-30 10:00", occurred_at="2026-03-20T09:00:00")
    declined = walk.act("2026-09-30 11:00", "decline", reason="TC_fee_over_5_months")
    assert declined["status"] == "declined"
    assert "超过五个月" in declined["decline_text"] and "第十一条" in declined["decline_text"]
    reference = api_client.get(users["center"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    assert roles["clerk"] == "客服代表" and roles["panel"] == "服务质量考核组"
    fields = {f["code"]: f for f in reference["custom_fields"]}
    assert fields["service_number"]["identifying"] and fields["sp_code"]["label"] == "SP接入码"
    decline = {r["code"]: r for r in reference["reasons"]["decline"]}
    assert decline["TC_out_of_scope"]["needs_forward"]
