"""The petition preset (信访工作条例, 2022) walked over HTTP, with due dates worked out by hand on the
2026 calendar. The 条例 counts 日, natural days: a period whose last day is a rest day or holiday ends
on the next working day (civil code art. 203); only the objection window of art. 23 counts working
days. National Day runs 1–7 October 2026; Saturday 10 October is a working day."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import Walk, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_petition_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("petition", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 拖欠工资, 县人社局, 交办 (assign)
    created = walk.register("2026-09-30 10:00")
    # Art. 22: register and route within 15 日: 30 Sep + 15 = Thursday 15 Oct, a working day.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 15)
    assert created["custom"] == {"stage": "初次办理", "visitors": "3"}
    walk.act("2026-09-30 11:00", "accept")
    due = walk.act("2026-09-30 14:00", "dispatch")["due"]
    # Art. 23: objection within 5 working days of receipt: 8, 9, 10 (Saturday, worked), 12, 13 Oct.
    assert due_day(due["sign_for"]) == D(2026, 10, 13)
    # Art. 34: 60 日 from 30 Sep: 31 Oct is day 31, 29 Nov day 60, a Sunday → Monday 30 Nov.
    assert due_day(due["handling"]) == D(2026, 11, 30)
    # Art. 22(3): 交办 reports back within the term set; ours: the same 60 日.
    assert due_day(due["report_back"]) == D(2026, 11, 30)
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-09 16:00", "submit_result")
    walk.act("2026-10-10 09:00", "approve")
    replied = walk.act("2026-10-10 10:00", "reply")
    # ours: 15 日 to follow up: 25 Oct is a Sunday → Monday 26 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 26)
    # Art. 35: 复查 may be requested within 30 日 of the written reply: 9 Nov, a Monday.
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 9)
    closed = walk.act("2026-10-12 09:00", "follow_up")
    assert closed["status"] == "closed"
    review = walk.act("2026-10-20 09:00", "request_review")
    # Art. 35: the 复查 opinion within 30 日 of the request: 20 Oct + 30 = Thursday 19 Nov.
    assert review["status"] == "under_review"
    assert due_day(review["due"]["review"]) == D(2026, 11, 19)


def test_a_petition_received_on_a_sunday_counts_natural_days_from_that_day(api_client, settings) -> None:
    users, demo = use_preset("petition", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 征收补偿, 县住建局, 转送 (transfer)
    created = walk.register("2026-10-11 09:00", channel="visit")  # a Sunday
    # Natural days run from the day of receipt whatever it is: 11 Oct + 15 = Monday 26 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 26)
    walk.act("2026-10-12 09:00", "accept")
    due = walk.act("2026-10-12 10:00", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 19)  # 13, 14, 15, 16, 19 Oct
    # 12 Oct + 60: 31 Oct is day 19, 30 Nov day 49, 11 Dec day 60, a Friday.
    assert due_day(due["handling"]) == D(2026, 12, 11)
    assert due["report_back"] is None  # 转送: the body handles and answers itself
    walk.act("2026-10-13 09:00", "sign")
    walk.act("2026-10-20 15:00", "submit_result")
    walk.act("2026-10-21 09:00", "approve")  # the 住建局's own head (转送)
    replied = walk.act("2026-10-21 10:00", "reply")
    assert due_day(replied["due"]["follow_up"]) == D(2026, 11, 5)  # 21 Oct + 15, a Thursday
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 20)  # 21 Oct + 30, a Friday
    closed = walk.act("2026-10-22 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_period_ending_in_the_national_day_holiday_ends_on_the_next_working_day(api_client, settings) -> None:
    users, demo = use_preset("petition", settings)
    walk = Walk(api_client, users, demo, sample=0)
    created = walk.register("2026-09-16 09:00")  # a Wednesday
    # 16 Sep + 15 = 1 Oct, National Day; the holiday runs to 7 Oct, so the period ends Thursday 8 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 8)


def test_handling_extends_by_at_most_thirty_days_with_approval(api_client, settings) -> None:
    users, demo = use_preset("petition", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-09-30 10:00")
    walk.act("2026-09-30 11:00", "accept")
    walk.act("2026-09-30 14:00", "dispatch")
    walk.act("2026-10-08 09:00", "sign")
    # Art. 34: an extension may not exceed 30 日.
    refused = api_client.post(
        walk.handler,
        f"/complaints/{walk.number}/request_extension",
        {"version": walk.answers[-1]["version"], "days": 31, "reason": "需举行听证"},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "extension_cap_exceeded", refused.json()
    walk.act("2026-10-20 09:00", "request_extension", days=30, reason="情况复杂，需调取多年社保档案")
    extended = walk.act("2026-10-20 10:00", "decide_extension", approved=True, notice_method="letter")
    # 30 Sep + 90 日 = Tuesday 29 Dec.
    assert due_day(extended["due"]["handling"]) == D(2026, 12, 29)


def test_the_petition_preset_speaks_the_language_of_the_regulation(api_client, settings) -> None:
    users, demo = use_preset("petition", settings)
    reference = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    kinds = {k["code"]: k["label"] for k in reference["kinds"] if k["in_preset"]}
    assert roles["center"] == "信访局督办员" and roles["clerk"] == "信访接待员"
    assert kinds == {"complaint": "申诉求决", "suggestion": "建议意见", "report": "检举控告"}
    declines = {r["code"]: r for r in reference["reasons"]["decline"]}
    assert declines["same_after_final_review"]["needs_approval"]
    assert "第三十六条第三款" in declines["same_after_final_review"]["template"]
    # A 涉法涉诉 matter is declined with the 政法部门 it goes to named, and the letter cites the 条例.
    walk = Walk(api_client, users, demo, sample=1)
    walk.register("2026-11-02 09:00")
    missing = api_client.post(
        walk.who("decline"),
        f"/complaints/{walk.number}/decline",
        {"version": walk.answers[-1]["version"], "reason": "litigation"},
    )
    assert missing.status_code == 422, missing.json()
    declined = walk.act("2026-11-02 10:00", "decline", reason="litigation", forwarded_to="县委政法委")
    assert declined["status"] == "declined" and declined["forwarded_to"] == "县委政法委"
    assert declined["decline_text"].startswith("您好！您反映的事项涉及诉讼权利救济")
    # A group visit may send at most 5 representatives (art. 20).
    many = [{"name": f"村民{i}", "phone": f"139000000{i:02d}", "is_representative": True} for i in range(6)]
    too_many = api_client.post(
        users["clerk"],
        "/complaints",
        {
            "channel": "visit",
            "kind": "complaint",
            "summary": "集体走访",
            "content": "多人走访反映征地补偿问题",
            "complainants": many,
        },
    )
    assert too_many.status_code == 422 and "5" in too_many.json()["message"], too_many.json()
