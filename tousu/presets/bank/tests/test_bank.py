"""The bank preset (银行业保险业消费投诉处理管理办法, 银保监会令2020年第3号), walked over HTTP with due
dates worked out by hand on the 2026 calendar: National Day runs 1–7 October, Sunday 20 September
and Saturday 10 October are working days. Periods of the regulation are natural days (art. 43); one
whose last day is a rest day or holiday ends on the next working day (civil code art. 203)."""

import datetime as dt

import pytest
import time_machine

from tousu.complaints.models import Complaint
from tousu.presets import REGISTRY
from tousu.presets.tests.walk import Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_complaint_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("bank", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 城东支行, transferred (属地管理)
    created = walk.register("2026-09-30 10:00")
    # ours: acceptance within 1 working day; 1–7 Oct are the holiday, so Thursday 8 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 8)
    walk.act("2026-09-30 11:00", "accept")
    dispatched = walk.act("2026-09-30 14:00", "dispatch")
    due = dispatched["due"]
    # art. 18: 15 natural days from receipt (dispatched the same day): 30 Sep + 15 = Thursday 15 Oct,
    # a working day, so it stays; the holiday inside the period is counted.
    assert due_day(due["handling"]) == D(2026, 10, 15)
    assert due_day(due["sign_for"]) == D(2026, 10, 8)  # ours: 1 working day
    assert due["report_back"] is None  # a transfer is approved by the branch's own head
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-09 10:00", "submit_result")
    walk.act("2026-10-09 14:00", "approve")
    replied = walk.act("2026-10-09 16:00", "reply")
    # ours: follow-up within 5 working days: Sat 10 (worked), 12, 13, 14, 15 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 15)
    # art. 20: review (核查) may be asked within 30 days of the decision: 9 Oct + 30 = Sunday 8 Nov,
    # a rest day, so Monday 9 Nov.
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 9)
    closed = walk.act("2026-10-12 09:00", "follow_up")
    assert closed["status"] == "closed"
    reviewed = walk.act("2026-10-20 10:00", "request_review")
    # art. 20: the higher institution decides within 30 days: 20 Oct + 30 = Thursday 19 Nov.
    assert reviewed["status"] == "under_review"
    assert due_day(reviewed["due"]["review"]) == D(2026, 11, 19)


def test_a_complaint_received_on_a_rest_day_counts_from_that_day(api_client, settings) -> None:
    users, demo = use_preset("bank", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 城东支行, transferred
    created = walk.register("2026-10-11 09:00")  # a Sunday
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 12)  # next working day, Monday
    # The consumer protection department is on weekend duty: accepted and dispatched on the Sunday,
    # so the 15 natural days run from the day of receipt as art. 18 says: 11 Oct + 15 = Monday 26 Oct.
    walk.act("2026-10-11 10:00", "accept")
    dispatched = walk.act("2026-10-11 10:30", "dispatch")
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 26)
    assert due_day(dispatched["due"]["sign_for"]) == D(2026, 10, 12)


def test_a_decision_period_ending_on_national_day_moves_and_extends_to_sixty_days(api_client, settings) -> None:
    users, demo = use_preset("bank", settings)
    walk = Walk(api_client, users, demo, sample=1)  # 信用卡中心, assigned (交办)
    walk.register("2026-09-16 10:00")
    walk.act("2026-09-16 11:00", "accept")
    dispatched = walk.act("2026-09-16 14:00", "dispatch")
    # 16 Sep + 15 = Thursday 1 Oct, National Day: the period ends the day after the holiday ends,
    # Thursday 8 Oct (civil code art. 203), not on the Friday before it.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 8)
    walk.act("2026-09-17 09:00", "sign")
    # Complex: extended to 30 days, the complainant told (art. 18): 16 Sep + 30 = Friday 16 Oct.
    walk.act("2026-09-28 10:00", "request_extension", days=15, reason="需调取商户交易凭证，情况复杂")
    first = walk.act("2026-09-28 15:00", "decide_extension", approved=True, notice_method="phone")
    assert due_day(first["due"]["handling"]) == D(2026, 10, 16)
    # Particularly complex: 30 days more with approval (60 in all): 16 Sep + 60 = Sunday 15 Nov,
    # a rest day, so Monday 16 Nov.
    walk.act("2026-10-12 10:00", "request_extension", days=30, reason="涉及外部机构协查，情况特别复杂")
    second = walk.act("2026-10-12 15:00", "decide_extension", approved=True, notice_method="letter")
    assert due_day(second["due"]["handling"]) == D(2026, 11, 16)
    # Nothing beyond 60 days: the cap of 45 extension days is used up.
    with time_machine.travel(at("2026-10-13 10:00"), tick=False):
        version = api_client.get(walk.handler, f"/complaints/{walk.number}").json()["version"]
        refused = api_client.post(
            walk.handler,
            f"/complaints/{walk.number}/request_extension",
            {"version": version, "days": 1, "reason": "再延一日"},
        )
    assert refused.status_code == 422, refused.json()
    assert "45" in str(refused.json())


def test_the_reference_names_the_bank_and_checks_its_own_fields(api_client, settings) -> None:
    users, demo = use_preset("bank", settings)
    ref = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in ref["roles"]}
    assert roles["center"] == "消保部督办岗" and roles["panel"] == "投诉责任追究小组"
    major = next(g for g in ref["grades"] if g["code"] == "major")
    assert major["label"] == "重大消费投诉" and "20名以上投诉人采取面谈方式" in major["description"]
    fields = {f["code"]: f for f in ref["custom_fields"]}
    assert fields["card_last4"]["identifying"] and fields["account_masked"]["identifying"]
    decline = {r["code"]: r for r in ref["reasons"]["decline"]}
    assert "第十八条" in decline["not_by_complainant"]["template"]
    assert decline["not_our_business"]["needs_forward"]
    walk = Walk(api_client, users, demo, sample=1)
    created = walk.register("2026-03-03 10:00")  # the sample's card_last4 and transaction date
    assert Complaint.objects.get(number=created["number"]).custom == {
        "card_last4": "3581",
        "transaction_date": "2026-03-02",
    }
    with time_machine.travel(at("2026-03-03 10:05"), tick=False):
        bad = api_client.post(
            users["clerk"],
            "/complaints",
            {
                "channel": "hotline",
                "kind": "complaint",
                "summary": "信用卡盗刷",
                "content": "信用卡出现两笔境外消费，本人从未出境。",
                "demands": "要求核查并退款",
                "complainants": [{"name": "张丽华", "phone": "13812345678"}],
                "custom": {"card_last4": "35a1"},
            },
        )
    assert bad.status_code == 422 and "card_last4" in str(bad.json())


def test_the_regulation_and_the_seed_variant_are_on_record() -> None:
    preset = REGISTRY["bank"]
    rule = next(r for r in preset.deadlines if r.kind == "handling")
    assert (rule.amount, rule.unit, rule.extension_cap) == (15, "natural_days", 45)
    assert preset.thresholds.max_representatives == 5
    variant = next(d for d in preset.duties if "15个工作日" in d.name)
    assert "不设为规则" in variant.text and "000-15" in variant.source
