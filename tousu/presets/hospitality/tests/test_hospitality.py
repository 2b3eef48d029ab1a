"""The hospitality preset's own lifecycle (seeds 004 hotel, tourist site and 长安铃木; 000 service
shop; 002 car dealer), walked over HTTP with due moments worked out by hand on the 2026 calendar:
中秋 25–27 September, National Day 1–7 October, Saturday 10 October a make-up working day,
Saturday 17 October a rest day. Business hours of the preset (the 4S service shop):
08:30–12:00 and 13:30–18:00."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import BEIJING, Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def due_at(iso: str | None) -> dt.datetime | None:
    """The Beijing moment of a due date in an API answer."""
    return None if iso is None else dt.datetime.fromisoformat(iso).astimezone(BEIJING)


def test_a_service_shop_complaint_the_evening_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("hospitality", settings)
    walk = Walk(api_client, users, demo, sample=7)  # 保养后异响, 维修质量 HS3201, 4S店售后服务部 (交办)
    created = walk.register("2026-09-30 17:00")  # Wednesday, by phone
    # 004-101: reported on the next day — 24 clock hours: Thursday 1 Oct 17:00 (the group is open
    # on holidays).
    assert due_at(created["due"]["acceptance"]) == at("2026-10-01 17:00")
    assert created["custom"] == {"plate_no": "川L3K582"}
    walk.act("2026-09-30 17:10", "accept")
    dispatched = walk.act("2026-09-30 17:20", "dispatch")
    due = dispatched["due"]
    # 000-73: the shop takes it up within 1 business hour: 17:20–18:00 is 40 minutes, 1–7 Oct are
    # National Day, so the other 20 minutes run from 08:30 on Thursday 8 Oct: 08:50.
    assert due_at(due["sign_for"]) == at("2026-10-08 08:50")
    # 000-74: a result within 2 business hours: 40 minutes on 30 Sep, 80 minutes from 08:30 on
    # 8 Oct: 09:50.
    assert due_at(due["handling"]) == at("2026-10-08 09:50")
    assert due["report_back"] is None
    walk.act("2026-10-08 08:40", "sign")
    walk.act("2026-10-08 09:30", "submit_result")
    walk.act("2026-10-08 09:40", "approve")  # 交办: the centre approves (000-75: 主管总经理同意)
    replied = walk.act("2026-10-08 10:00", "reply")
    # 000-80: return visit within 24 hours: Friday 9 Oct 10:00. Review window 15 natural days from
    # 8 Oct: 9 … 23 Oct (Friday).
    assert due_at(replied["due"]["follow_up"]) == at("2026-10-09 10:00")
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 23)
    closed = walk.act("2026-10-08 16:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_hotel_complaint_received_on_a_sunday_night(api_client, settings) -> None:
    users, demo = use_preset("hospitality", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 客房空调故障, 服务设施 HS101, 客房部 (转办)
    created = walk.register("2026-10-11 21:30")  # Sunday
    assert due_at(created["due"]["acceptance"]) == at("2026-10-12 21:30")  # 24 clock hours
    assert created["custom"]["room_no"] == "1208" and created["custom"]["checkin_date"] == "2026-08-15"
    walk.act("2026-10-12 09:00", "accept", grade="hs_minor")
    dispatched = walk.act("2026-10-12 09:30", "dispatch")
    due = dispatched["due"]
    assert due_at(due["sign_for"]) == at("2026-10-12 11:30")  # ours: 2 clock hours
    assert due_day(due["handling"]) == D(2026, 10, 19)  # ours: 7 natural days, 13 … 19 Oct (Monday)
    walk.act("2026-10-12 10:00", "sign")
    walk.act("2026-10-13 10:00", "submit_result")
    walk.act("2026-10-13 11:00", "approve")  # 转办: the department's own head approves
    replied = walk.act("2026-10-14 15:00", "reply")  # Wednesday
    # ours: 3 natural days, 15, 16, 17 Oct; Saturday 17 Oct is a rest day: Monday 19 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 19)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 29)  # 15 … 29 Oct
    closed = walk.act("2026-10-15 10:00", "follow_up")
    assert closed["status"] == "closed"


def test_periods_that_end_on_national_day_and_the_dealers_working_day(api_client, settings) -> None:
    users, demo = use_preset("hospitality", settings)
    hotel = Walk(api_client, users, demo, sample=2)  # 餐厅异物, 服务产品 HS104, 餐饮部 (转办)
    hotel.register("2026-09-24 10:00")  # Thursday
    hotel.act("2026-09-24 10:30", "accept")
    dispatched = hotel.act("2026-09-24 11:00", "dispatch")
    # 7 natural days from 24 Sep end on Thursday 1 Oct, National Day: the period ends on the first
    # working day after the holiday, Thursday 8 Oct (civil code art. 203).
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 8)
    hotel.act("2026-09-24 11:30", "sign")
    hotel.act("2026-09-28 10:00", "submit_result")
    hotel.act("2026-09-28 11:00", "approve")
    replied = hotel.act("2026-09-29 10:00", "reply")
    # 3 days: 30 Sep, 1 and 2 Oct; 2 Oct is a holiday: 8 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 8)

    dealer = Walk(api_client, users, demo, sample=8)  # 新车补漆, 购销合同 HS3101, 4S店销售部 (交办)
    dealer.register("2026-09-30 10:00")
    dealer.act("2026-09-30 10:30", "accept")
    dispatched = dealer.act("2026-09-30 14:00", "dispatch")
    # 002-53: a solution within one working day: the next working day after 30 Sep is 8 Oct.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 8)
    assert dispatched["due_rules"]["handling"]["rule"] == "hs.handling.dealer"
    assert due_at(dispatched["due"]["sign_for"]) == at("2026-09-30 16:00")


def test_the_reference_plate_numbers_and_four_tourists_make_a_group(api_client, settings) -> None:
    users, demo = use_preset("hospitality", settings)
    reference = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    assert roles["center"] == "客户关系经理" and roles["panel"] == "责任追究小组"
    assert [g["label"] for g in reference["grades"]] == ["轻微", "一般", "重大"]  # 004-96, lowest first
    fields = {f["code"]: f for f in reference["custom_fields"]}
    assert set(fields) == {"room_no", "order_no", "plate_no", "checkin_date"}
    assert fields["checkin_date"]["type"] == "date" and fields["plate_no"]["identifying"]
    declines = {r["code"]: r for r in reference["reasons"]["decline"]}
    assert "90天" in declines["hs_time_barred"]["template"]

    walk = Walk(api_client, users, demo, sample=10)  # 售后接待怠慢
    sample = demo.samples[10]
    refused = api_client.post(
        users["clerk"],
        "/complaints",
        {
            "channel": "hotline",
            "summary": sample.summary,
            "content": sample.content,
            "complainants": [{"name": "孔先生", "phone": "13712345678"}],
            "respondents": [{"unit": sample.unit}],
            "custom": {"plate_no": "川I1234"},  # no letter I on a plate, and one character short
        },
    )
    assert refused.status_code == 422, refused.json()
    assert refused.json()["data"]["field"] == "custom.plate_no"
    ok = walk.register("2026-10-12 09:10", custom={"plate_no": "川AD12345"})  # a new-energy plate
    assert ok["custom"]["plate_no"] == "川AD12345"

    # 旅游投诉处理办法: 4 or more complainants on one matter against one respondent are a group.
    tourists = [{"name": n, "phone": f"1360000000{i}"} for i, n in enumerate(["王子豪", "李婉清", "张振宇", "刘雪梅"])]
    trip = Walk(api_client, users, demo, sample=5)  # 导游擅自增加购物点
    three = trip.register("2026-10-12 10:00", complainants=tourists[:3])
    four = trip.register("2026-10-12 10:30", complainants=tourists)
    assert "group" not in three["flags"]
    assert four["flags"]["group"]["rule"] == "4_or_more_complainants"
