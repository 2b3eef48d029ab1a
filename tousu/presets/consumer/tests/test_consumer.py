"""The 12315 consumer preset (市场监督管理投诉举报处理暂行办法) walked over HTTP, with due dates worked
out by hand on the 2026 calendar: acceptance in 7 working days (art. 14), mediation ends 45 working
days after acceptance (art. 21(5)) with testing time left out (art. 20); a report follows the
administrative-penalty rules instead (15 working days to decide on filing, 90 日 to decide the case).
National Day runs 1–7 October 2026; Saturday 10 October and Sunday 20 September are working days;
the Dragon Boat Festival holiday runs 19–21 June."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import Walk, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_complaint_filed_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("consumer", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 网购翻新机, 某区市场监管局, 转办 (transfer)
    created = walk.register("2026-09-30 10:00")
    # Art. 14: 7 working days, the day of receipt not counted: 8, 9, 10 (Saturday, worked), 12–15 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 15)
    assert created["custom"]["platform"] == "某电商平台" and created["custom"]["amount"] == "3999"
    walk.act("2026-09-30 11:00", "accept")
    due = walk.act("2026-09-30 14:00", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 8)  # ours: 1 working day
    # Art. 21(5): 45 working days: 18 in October (8–10, 12–16, 19–23, 26–30), 21 in November
    # (2–6, 9–13, 16–20, 23–27, 30) make 39, then 1–4 and 7, 8 December → Tuesday 8 Dec.
    assert due_day(due["handling"]) == D(2026, 12, 8)
    assert due["report_back"] is None  # 转办: the district bureau handles in its own name
    walk.act("2026-10-08 09:00", "sign")
    # The order number may identify the complainant (art. 33): hidden from the unit, seen by the centre.
    assert api_client.get(walk.handler, f"/complaints/{walk.number}").json()["custom"]["order_no"] == "（已隐去）"
    assert (
        api_client.get(users["center"], f"/complaints/{walk.number}").json()["custom"]["order_no"] == "260918223345671"
    )
    # 45 working days is a hard end of mediation: no extension.
    refused = api_client.post(
        walk.handler,
        f"/complaints/{walk.number}/request_extension",
        {"version": walk.answers[-1]["version"], "days": 5, "reason": "双方仍在协商"},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "extension_cap_exceeded"
    # Art. 20: testing time is not counted. Suspended 9 Oct, resumed 16 Oct: the working days after
    # 9 Oct up to 16 Oct are 10 (Saturday, worked), 12, 13, 14, 15, 16 = 6; 8 Dec + 6 = 9–11, 14–16 Dec.
    walk.act("2026-10-09 10:00", "suspend", reason="testing", note="双方同意送检")
    resumed = walk.act("2026-10-16 10:00", "resume")
    assert due_day(resumed["due"]["handling"]) == D(2026, 12, 16)
    walk.act("2026-10-20 15:00", "submit_result")
    walk.act("2026-10-21 09:00", "approve")  # the district bureau's own head
    replied = walk.act("2026-10-21 10:00", "reply")
    # ours: follow-up in 5 working days: 22, 23, 26, 27, 28 Oct; objection in 10: … 2, 3, 4 Nov.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 28)
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 4)
    closed = walk.act("2026-10-22 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_a_complaint_filed_on_a_sunday_counts_from_monday(api_client, settings) -> None:
    users, demo = use_preset("consumer", settings)
    walk = Walk(api_client, users, demo, sample=3)  # 空调不制冷, 高新区市场监管局, 转办
    created = walk.register("2026-10-11 09:00")  # a Sunday
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 20)  # 12–16, 19, 20 Oct
    walk.act("2026-10-12 09:00", "accept")
    due = walk.act("2026-10-12 10:00", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 13)
    # 45 working days from 12 Oct: 14 in October (13–16, 19–23, 26–30), 21 in November make 35,
    # then 1–4, 7–11 and 14 December → Monday 14 Dec.
    assert due_day(due["handling"]) == D(2026, 12, 14)
    walk.act("2026-10-13 09:00", "sign")
    walk.act("2026-10-19 16:00", "submit_result")
    walk.act("2026-10-20 09:00", "approve")
    replied = walk.act("2026-10-20 10:00", "reply")
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 27)  # 21, 22, 23, 26, 27 Oct
    assert due_day(replied["due"]["review_window"]) == D(2026, 11, 3)  # 21–23, 26–30 Oct, 2, 3 Nov
    assert walk.act("2026-10-21 09:00", "follow_up")["status"] == "closed"


def test_a_report_follows_the_penalty_procedure_in_natural_days(api_client, settings) -> None:
    users, demo = use_preset("consumer", settings)
    walk = Walk(api_client, users, demo, sample=7)  # 举报销售过期食品, 执法支队, 交办 (assign)
    created = walk.register("2026-06-20 10:00")  # Saturday, in the Dragon Boat holiday
    assert created["kind"] == "report"
    # 15 working days to verify and decide on filing: 22–26 Jun, 29 Jun–3 Jul, 6–10 Jul → 10 Jul.
    assert due_day(created["due"]["acceptance"]) == D(2026, 7, 10)
    walk.act("2026-06-22 09:00", "accept")
    due = walk.act("2026-06-22 10:00", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 6, 23)
    # 90 日 from 22 Jun: 30 Jun is day 8, 31 Jul day 39, 31 Aug day 70, 20 Sep day 90 — a Sunday,
    # but a make-up working day for National Day, so the period ends that day.
    assert due_day(due["handling"]) == D(2026, 9, 20)
    assert due_day(due["report_back"]) == D(2026, 9, 20)


def test_a_natural_day_period_ending_on_national_day_moves_to_the_next_working_day(api_client, settings) -> None:
    users, demo = use_preset("consumer", settings)
    walk = Walk(api_client, users, demo, sample=8)  # 举报虚假宣传
    walk.register("2026-07-02 10:00")
    walk.act("2026-07-03 09:00", "accept")
    due = walk.act("2026-07-03 10:00", "dispatch")["due"]
    # 3 Jul + 90 日 = 1 Oct, National Day; the holiday runs to 7 Oct → Thursday 8 Oct.
    assert due_day(due["handling"]) == D(2026, 10, 8)


def test_refusal_grounds_of_article_fifteen_come_with_their_letters(api_client, settings) -> None:
    users, demo = use_preset("consumer", settings)
    reference = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    assert roles["center"] == "投诉举报中心督办员" and roles["handler"] == "承办人（调解员）"
    declines = {r["code"]: r for r in reference["reasons"]["decline"]}
    assert {
        "not_our_remit",
        "no_jurisdiction",
        "handled_elsewhere",
        "not_consumption",
        "time_barred",
        "missing_materials",
        "other_by_law",
    } <= set(declines)
    assert all("第十五条" in declines[c]["template"] for c in ("time_barred", "missing_materials", "no_jurisdiction"))
    assert declines["no_jurisdiction"]["needs_forward"] and declines["other_by_law"]["needs_approval"]
    walk = Walk(api_client, users, demo, sample=4)
    walk.register("2026-11-02 09:00", custom={"purchase_date": "2022-06-01"})
    declined = walk.act("2026-11-02 10:00", "decline", reason="time_barred")
    assert declined["status"] == "declined"
    assert "第十五条第（四）项" in declined["decline_text"] and declined["decline_text"].startswith("您好！")
    # A joint complaint names at most two representatives (art. 11).
    three = [{"name": f"消费者{i}", "phone": f"1390000001{i}", "is_representative": True} for i in range(3)]
    refused = api_client.post(
        users["clerk"],
        "/complaints",
        {
            "channel": "website",
            "kind": "complaint",
            "summary": "共同投诉",
            "content": "三人共同投诉同一健身房",
            "complainants": three,
        },
    )
    assert refused.status_code == 422 and "2" in refused.json()["message"], refused.json()
    bad = api_client.post(
        users["clerk"],
        "/complaints",
        {
            "channel": "website",
            "kind": "complaint",
            "summary": "信用代码有误",
            "content": "被投诉人信用代码填写错误",
            "complainants": [{"name": "消费者", "phone": "13900000020"}],
            "custom": {"merchant_code": "91440101MA59AB7C3"},
        },
    )
    assert bad.status_code == 422 and bad.json()["data"]["field"] == "custom.merchant_code", bad.json()
