"""The securities preset (seed 000's 广州证券 guide, the 12386 platform's kinds of matter), walked
over HTTP with due dates worked out by hand on the 2026 calendar: Mid-Autumn Festival is Friday
25 September, National Day runs 1–7 October, Sunday 20 September and Saturday 10 October are
working days. No statutory firm-level deadline was found: every period here is ours, and the
natural-day ones end on the next working day when their last day is a rest day (civil code
art. 203)."""

import datetime as dt

import pytest
import time_machine

from tousu.complaints.models import Complaint
from tousu.presets import REGISTRY
from tousu.presets.tests.walk import Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date
PLATFORM = "中国证监会12386服务平台"


def test_a_12386_transfer_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("securities", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 人民路营业部, transferred
    created = walk.register(
        "2026-09-30 10:00",
        channel="upgraded",
        upgraded_source=PLATFORM,
        custom={"platform_ref": "12386-2026-093000158", "fund_account": "3100****5678"},
    )
    assert "upgraded" in created["flags"]
    # ours: a 12386 transfer is signed in within 1 working day; 1–7 Oct are the holiday: 8 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 8)
    walk.act("2026-09-30 11:00", "accept", grade="important")
    dispatched = walk.act("2026-09-30 14:00", "dispatch")
    due = dispatched["due"]
    # ours: 15 natural days: 30 Sep + 15 = Thursday 15 Oct, a working day.
    assert due_day(due["handling"]) == D(2026, 10, 15)
    assert due_day(due["sign_for"]) == D(2026, 10, 8)
    assert due["report_back"] is None
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-09 10:00", "submit_result")
    walk.act("2026-10-09 14:00", "approve")  # the branch's own head (转办)
    replied = walk.act("2026-10-09 16:00", "reply")
    # ours: follow-up within 5 working days: 10 (Saturday, worked), 12, 13, 14, 15 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 15)
    # ours: review within 30 days: 9 Oct + 30 = Sunday 8 Nov, a rest day, so Monday 9 Nov.
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 9)
    closed = walk.act("2026-10-12 09:00", "follow_up")
    assert closed["status"] == "closed"
    assert Complaint.objects.get(number=walk.number).custom["platform_ref"] == "12386-2026-093000158"


def test_a_complaint_and_an_inquiry_received_on_a_rest_day(api_client, settings) -> None:
    users, demo = use_preset("securities", settings)
    complaint = Walk(api_client, users, demo, sample=2)  # 滨江路营业部: commission
    created = complaint.register("2026-10-11 09:00")  # a Sunday, by the hotline
    # ours: 2 working days, counted from Monday: 12, 13 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 13)
    complaint.act("2026-10-12 09:00", "accept")
    dispatched = complaint.act("2026-10-12 10:00", "dispatch")
    # ours: 15 natural days from 12 Oct = Tuesday 27 Oct.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 27)
    inquiry = Walk(api_client, users, demo, sample=8)  # 咨询: new-share quota
    created = inquiry.register("2026-10-11 09:30")
    assert created["kind"] == "inquiry"
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 13)
    inquiry.act("2026-10-12 09:00", "accept")
    dispatched = inquiry.act("2026-10-12 10:00", "dispatch")
    # ours: an inquiry is answered within 5 working days: 13, 14, 15, 16, 19 Oct.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 19)


def test_a_handling_period_ending_on_mid_autumn_festival_runs_to_monday(api_client, settings) -> None:
    users, demo = use_preset("securities", settings)
    walk = Walk(api_client, users, demo, sample=1)  # 信息技术部, assigned: trading-system failure
    walk.register("2026-09-10 10:00", custom={"security_code": "600519", "trade_date": "2026-09-10"})
    walk.act("2026-09-10 11:00", "accept", grade="major")
    dispatched = walk.act("2026-09-10 14:00", "dispatch")
    # 10 Sep + 15 = Friday 25 Sep, Mid-Autumn Festival; 26 and 27 Sep are the weekend, so the
    # period ends on Monday 28 Sep (civil code art. 203).
    assert due_day(dispatched["due"]["handling"]) == D(2026, 9, 28)


def test_the_reference_carries_the_four_kinds_of_the_12386_platform(api_client, settings) -> None:
    users, demo = use_preset("securities", settings)
    ref = api_client.get(users["clerk"], "/reference").json()
    kinds = {k["code"]: k["label"] for k in ref["kinds"] if k["in_preset"]}
    assert kinds == {"complaint": "投诉", "report": "举报", "inquiry": "咨询", "suggestion": "意见建议"}
    channels = {c["code"]: c["label"] for c in ref["channels"]}
    assert channels["upgraded"] == "12386平台及监管转办"
    roles = {r["code"]: r["label"] for r in ref["roles"]}
    assert roles["center"] == "客户服务中心" and roles["clerk"] == "客服坐席"
    major = next(g for g in ref["grades"] if g["code"] == "major")
    assert "交易系统故障" in major["description"] and "证监局" in major["description"]
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        bad = api_client.post(
            users["clerk"],
            "/complaints",
            {
                "channel": "hotline",
                "kind": "complaint",
                "summary": "委托未成交",
                "content": "限价委托未成交但显示已扣冻结资金。",
                "demands": "要求说明原因",
                "complainants": [{"name": "王志强", "phone": "13812345678"}],
                "custom": {"security_code": "60051"},
            },
        )
    assert bad.status_code == 422 and "security_code" in str(bad.json())


def test_the_periods_are_marked_as_ours() -> None:
    preset = REGISTRY["securities"]
    assert all(r.source.startswith("ours:") for r in preset.deadlines)
    assert any(d.name == "期限均为假设" for d in preset.duties)
