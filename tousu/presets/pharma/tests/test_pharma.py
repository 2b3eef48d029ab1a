"""The pharma preset's own lifecycle (seed 000, GMP 2010), walked over HTTP with due dates worked out
by hand on the 2026 calendar: 清明 runs 4–6 April; 劳动节 runs 1–5 May and Saturday 9 May is a
working day. GMP sets no time limits: the handling periods by grade are ours, in working days."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import Walk, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_grade_i_complaint_received_the_working_day_before_qingming(api_client, settings) -> None:
    users, demo = use_preset("pharma", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 固体制剂车间, assigned (交办): a mixed-up capsule
    created = walk.register("2026-04-03 10:00")  # Friday; 4–6 April are 清明
    # ours: acceptance within 1 working day, 3 April not counted: Tuesday 7 April.
    assert due_day(created["due"]["acceptance"]) == D(2026, 4, 7)
    assert created["custom"]["batch_no"] == "260312"
    walk.act("2026-04-03 11:00", "accept", grade="PH-I")  # 000-05: 产品混淆 is grade I
    dispatched = walk.act("2026-04-03 14:00", "dispatch")
    due = dispatched["due"]
    # ours: grade I within 7 working days: 7, 8, 9, 10, 13, 14, 15 April; its investigation report
    # back to QA within 3: 7, 8, 9 April; sign for within 1: 7 April.
    assert due_day(due["handling"]) == D(2026, 4, 15)
    assert due_day(due["report_back"]) == D(2026, 4, 9)
    assert due_day(due["sign_for"]) == D(2026, 4, 7)
    # always_redact: the workshop sees the redacted view, without the patient's identity.
    seen = api_client.get(users["handler"], f"/complaints/{walk.number}").json()
    assert seen["identity_hidden"] and seen["complainants"] == []
    walk.act("2026-04-07 09:00", "sign")
    walk.act("2026-04-09 16:00", "submit_result")
    walk.act("2026-04-10 09:00", "approve")
    replied = walk.act("2026-04-10 10:00", "reply")
    # ours: follow-up within 5 working days: 13–17 April. Review window 15 natural days from 10
    # April: Saturday 25 April is a rest day, so it ends on Monday 27 April (civil code art. 203).
    assert due_day(replied["due"]["follow_up"]) == D(2026, 4, 17)
    assert due_day(replied["due"]["review_window"]) == D(2026, 4, 27)
    closed = walk.act("2026-04-13 09:00", "follow_up")
    assert closed["status"] == "closed"
    # 000-08: the Qualified Person reads every complaint.
    assert api_client.get(users["quality"], f"/complaints/{walk.number}").status_code == 200


def test_an_adverse_reaction_received_in_the_labour_day_holiday(api_client, settings) -> None:
    users, demo = use_preset("pharma", settings)
    walk = Walk(api_client, users, demo, sample=2)  # 药物警戒部, transferred (转办): a rash
    created = walk.register("2026-05-03 09:00")  # Sunday, inside the 1–5 May holiday
    # Counting starts on the next working day, Wednesday 6 May.
    assert due_day(created["due"]["acceptance"]) == D(2026, 5, 6)
    walk.act("2026-05-06 09:00", "accept")  # grade II (the demo's default)
    dispatched = walk.act("2026-05-06 10:00", "dispatch")
    # ours: grade II within 15 working days: 7, 8, 9 (Saturday, worked), 11–15, 18–22, 25, 26 May.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 5, 26)
    assert dispatched["due"]["report_back"] is None  # transferred: the unit's head approves
    walk.act("2026-05-07 09:00", "sign")
    walk.act("2026-05-12 16:00", "submit_result")
    walk.act("2026-05-13 09:00", "approve")  # by the head of 药物警戒部
    replied = walk.act("2026-05-13 14:00", "reply")
    # Follow-up: 14, 15, 18, 19, 20 May; review window 15 natural days: Thursday 28 May.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 5, 20)
    assert due_day(replied["due"]["review_window"]) == D(2026, 5, 28)
    closed = walk.act("2026-05-15 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_the_gmp_grades_roles_fields_and_the_counterfeit_decline(api_client, settings) -> None:
    users, demo = use_preset("pharma", settings)
    reference = api_client.get(users["center"], "/reference").json()
    assert {r["code"]: r["label"] for r in reference["roles"]}["quality"] == "质量受权人"
    grades = sorted(reference["grades"], key=lambda g: g["rank"])
    assert [g["code"] for g in grades] == ["PH-III", "PH-II", "PH-I"]
    assert grades[2]["description"].startswith("指对于可能危及客户生命或可能严重威胁客户健康的缺陷的投诉。")
    labels = [c["label"] for c in reference["categories"]]
    assert "药品内包装材料缺陷（漏药、瓶裂等）" in labels and "药品发生不良反应" in labels
    fields = {f["code"]: f for f in reference["custom_fields"]}
    assert fields["retained_sample"]["choices"] == ["未检查", "符合规定", "不符合规定"]

    walk = Walk(api_client, users, demo, sample=8)  # 电子监管码查询不到
    with pytest.raises(AssertionError):  # a malformed 批准文号 is refused at intake
        walk.register("2026-06-01 10:00", custom={"approval_no": "H2026"})
    walk.register("2026-06-01 10:00")
    center = users["center"]
    version = api_client.get(center, f"/complaints/{walk.number}").json()["version"]
    refused = api_client.post(
        center, f"/complaints/{walk.number}/decline", {"version": version, "reason": "PH_not_our_product"}
    )
    assert refused.status_code == 422  # the competent body must be named
    declined = walk.act("2026-06-01 11:00", "decline", reason="PH_not_our_product", forwarded_to="江州市市场监督管理局")
    assert declined["forwarded_to"] == "江州市市场监督管理局" and "疑似假冒" in declined["decline_text"]
