"""The property preset's own lifecycle (seeds 000 和昌集团, 001, 004 物业), walked over HTTP with due
moments worked out by hand on the 2026 calendar: 中秋 25–27 September, National Day 1–7 October,
Saturday 10 October a make-up working day; Saturday 17 and Sunday 11/18 October rest days.
Business hours of the preset: 08:30–12:00 and 13:30–17:30."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import BEIJING, Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def due_at(iso: str | None) -> dt.datetime | None:
    """The Beijing moment of a due date in an API answer."""
    return None if iso is None else dt.datetime.fromisoformat(iso).astimezone(BEIJING)


def test_a_lift_complaint_phoned_in_the_evening_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("property", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 电梯困人, 设备设施 WY10101, 湖畔花园物业服务中心 (转办)
    created = walk.register("2026-09-30 17:00")  # Wednesday, by phone
    # 004-134: 1 hour, counted in business hours: 17:00–17:30 is half an hour; 1–7 Oct are
    # National Day, so the other half hour runs from 08:30 on Thursday 8 Oct: 09:00.
    assert due_at(created["due"]["acceptance"]) == at("2026-10-08 09:00")
    assert created["custom"] == {"unit_no": "5栋2单元1802"}
    walk.act("2026-09-30 17:05", "accept")
    dispatched = walk.act("2026-09-30 17:10", "dispatch")
    due = dispatched["due"]
    # 001-45 设备设施: the unit signs within 1 clock hour (engineering is on duty round the clock).
    assert due_at(due["sign_for"]) == at("2026-09-30 18:10")
    # 杭州条例 art. 50: 10 natural days from 30 Sep: 1 … 10 Oct; Saturday 10 Oct is a make-up
    # working day, so the period is not moved.
    assert due_day(due["handling"]) == D(2026, 10, 10)
    assert due["report_back"] is None
    walk.act("2026-09-30 17:40", "sign")
    walk.act("2026-10-08 10:00", "submit_result")
    walk.act("2026-10-08 10:30", "approve")  # 转办: the unit's own head approves
    replied = walk.act("2026-10-08 11:00", "reply")
    # 004-135: return visit within 3 days: 9, 10, 11 Oct; Sunday 11 Oct is a rest day, so the
    # period ends on Monday 12 Oct (civil code art. 203). Review window 15 days: 9 … 23 Oct (Friday).
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 12)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 23)
    closed = walk.act("2026-10-09 10:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_complaint_received_on_a_sunday_counts_from_monday_morning(api_client, settings) -> None:
    users, demo = use_preset("property", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 夜间巡逻缺位, 物业服务类 WY101, 公园里物业服务中心 (转办)
    created = walk.register("2026-10-11 20:00")  # Sunday evening
    # 1 business hour from the first business moment, Monday 12 Oct 08:30: 09:30.
    assert due_at(created["due"]["acceptance"]) == at("2026-10-12 09:30")
    walk.act("2026-10-12 09:00", "accept")
    dispatched = walk.act("2026-10-12 09:10", "dispatch")
    due = dispatched["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 13)  # ours: 1 working day
    assert due_day(due["handling"]) == D(2026, 10, 22)  # 10 natural days: 13 … 22 Oct (Thursday)
    walk.act("2026-10-12 10:00", "sign")
    walk.act("2026-10-14 15:00", "submit_result")
    walk.act("2026-10-14 16:00", "approve")
    replied = walk.act("2026-10-14 16:30", "reply")  # Wednesday
    # 3 days: 15, 16, 17 Oct; Saturday 17 Oct is a rest day (the make-up was the 10th): Monday 19 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 19)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 29)  # 15 days: 15 … 29 Oct
    closed = walk.act("2026-10-15 09:30", "follow_up")
    assert closed["status"] == "closed"


def test_a_hot_leak_complaint_whose_periods_end_on_national_day_move_to_8_october(api_client, settings) -> None:
    users, demo = use_preset("property", settings)
    walk = Walk(api_client, users, demo, sample=1)  # 车库渗水, 渗漏 WY20102 (二类), 工程管理部 (交办)
    created = walk.register("2026-09-01 11:00", channel="counter")  # Tuesday, at the front desk
    # 004-132: in person, 2 business hours: 11:00–12:00, then 13:30–14:30.
    assert due_at(created["due"]["acceptance"]) == at("2026-09-01 14:30")
    walk.act("2026-09-01 11:30", "accept", grade="wy_hot")
    dispatched = walk.act("2026-09-01 14:00", "dispatch")
    due = dispatched["due"]
    # 热点: the responsible department takes it up within 2 clock hours.
    assert due_at(due["sign_for"]) == at("2026-09-01 16:00")
    # 二类 (工程质量): 30 natural days from 1 Sep end on Thursday 1 Oct, National Day: the period
    # ends on the first working day after the holiday, Thursday 8 Oct (civil code art. 203).
    assert due_day(due["handling"]) == D(2026, 10, 8)
    assert dispatched["due_rules"]["handling"]["rule"] == "wy.handling.class2"
    walk.act("2026-09-01 14:30", "sign")
    walk.act("2026-09-24 10:00", "submit_result")
    walk.act("2026-09-24 11:00", "approve")  # 交办: the centre approves
    replied = walk.act("2026-09-28 10:00", "reply")  # Monday
    # 3 days: 29, 30 Sep, 1 Oct — a public holiday, so the return visit is due on 8 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 8)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 13)  # 15 days: 29 Sep … 13 Oct
    closed = walk.act("2026-09-29 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_the_reference_speaks_property_and_three_owners_make_a_collective_complaint(api_client, settings) -> None:
    users, demo = use_preset("property", settings)
    reference = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    assert roles["clerk"] == "前台接待员" and roles["center"] == "客户关系专员"
    grades = [g["label"] for g in reference["grades"]]
    assert grades == ["一般", "重要", "热点", "重大"]  # lowest first (000 3.4)
    hot = next(g for g in reference["grades"] if g["code"] == "wy_hot")
    assert "3人以上的集体投诉" in hot["description"]
    fields = {f["code"]: f for f in reference["custom_fields"]}
    assert fields["unit_no"]["label"] == "楼栋/房号" and fields["unit_no"]["identifying"]
    assert fields["contract_no"]["label"] == "合同号"
    assert [r["code"] for r in reference["reasons"]["invalid"]] == ["wy_invalid"]
    # 000-98: a collective complaint of 3 or more people is 热点; two owners are not yet a group.
    owners = [{"name": n, "phone": f"1390000000{i}"} for i, n in enumerate(["刘德明", "陈玉芬", "张海波"])]
    walk = Walk(api_client, users, demo, sample=11)
    two = walk.register("2026-10-12 10:00", complainants=owners[:2])
    three = walk.register("2026-10-12 10:30", complainants=owners)
    assert "group" not in two["flags"]
    assert three["flags"]["group"]["rule"] == "3_or_more_complainants"


@pytest.mark.parametrize(
    "words, grade, rule",
    [
        ("业主表示已经起诉到法院，法院已立案。", "wy_major", "sued_or_exposed"),
        ("业主说再不处理就找记者曝光。", "wy_hot", "may_sue_or_expose"),
        ("业主要求赔偿被水泡坏的地板。", "wy_important", "compensation"),
    ],
)
def test_the_grade_definitions_of_000_are_the_presets_grading_rules(api_client, settings, words, grade, rule) -> None:
    users, demo = use_preset("property", settings)
    walk = Walk(api_client, users, demo, sample=0)
    created = walk.register("2026-10-12 10:00", content=demo.samples[0].content + words)
    detail = api_client.get(users["clerk"], f"/complaints/{created['number']}").json()
    assert detail["grade"] == grade
    assert rule in [f["rule"] for f in detail["detection"]["grading"]["fired"]]
