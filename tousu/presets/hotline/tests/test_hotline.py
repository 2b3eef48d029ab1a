"""The 12345 hotline preset walked over HTTP, with due dates worked out by hand on the 2026 calendar.
No national rule sets work-order time limits (国办发〔2020〕53号 as reported sets none): the preset's
3 working days for an inquiry and 13 for everything else are our assumption, the hotline's own 24-hour
acceptance is counted in clock hours. National Day runs 1–7 October 2026; Saturday 10 October is a
working day."""

import datetime as dt

import pytest

from tousu.presets.tests.walk import Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def moment(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def test_a_complaint_called_in_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 夜间施工噪声, 市城管局, 交办 (assign)
    created = walk.register("2026-09-30 10:00")
    # ours: 24 clock hours to accept and dispatch; the hotline works through holidays: 1 Oct 10:00.
    assert moment(created["due"]["acceptance"]) == at("2026-10-01 10:00")
    assert created["custom"]["wants_reply"] == "需要回复"
    walk.act("2026-09-30 10:30", "accept")
    due = walk.act("2026-09-30 11:00", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 8)  # ours: 1 working day, the first after the holiday
    # ours: 13 working days: 8, 9, 10 (Saturday, worked), 12–16, 19–23 Oct → Friday 23 Oct.
    assert due_day(due["handling"]) == D(2026, 10, 23)
    assert due_day(due["report_back"]) == D(2026, 10, 23)
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-12 15:00", "submit_result")
    walk.act("2026-10-12 16:00", "approve")  # the centre reviews every report (济南 art. 27)
    replied = walk.act("2026-10-12 17:00", "reply")
    # ours: follow-up within 3 working days: 13, 14, 15 Oct; objection within 10: 13–16, 19–23, 26 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 15)
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 26)
    closed = walk.act("2026-10-13 09:00", "follow_up")
    assert closed["status"] == "closed" and closed["satisfaction"] == "satisfied"


def test_an_inquiry_sent_on_a_sunday(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    walk = Walk(api_client, users, demo, sample=4)  # 咨询公积金提取, 市住建局
    created = walk.register("2026-10-11 09:00", channel="app")  # a Sunday
    assert created["kind"] == "inquiry"
    assert moment(created["due"]["acceptance"]) == at("2026-10-12 09:00")  # 24 clock hours
    walk.act("2026-10-12 09:00", "accept")
    due = walk.act("2026-10-12 09:30", "dispatch")["due"]
    assert due_day(due["sign_for"]) == D(2026, 10, 13)
    # ours: an inquiry in 3 working days: 13, 14, 15 Oct.
    assert due_day(due["handling"]) == D(2026, 10, 15)
    assert due_day(due["report_back"]) == D(2026, 10, 15)
    walk.act("2026-10-12 10:00", "sign")
    refused = api_client.post(
        walk.handler,
        f"/complaints/{walk.number}/request_extension",
        {"version": walk.answers[-1]["version"], "days": 1, "reason": "需核实政策口径"},
    )
    assert refused.status_code == 422 and refused.json()["code"] == "extension_cap_exceeded"  # no extension
    walk.act("2026-10-13 10:00", "submit_result")
    walk.act("2026-10-13 11:00", "approve")
    replied = walk.act("2026-10-13 14:00", "reply")
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 16)  # 14, 15, 16 Oct
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 27)  # 14–16, 19–23, 26, 27 Oct
    closed = walk.act("2026-10-14 09:00", "follow_up")
    assert closed["status"] == "closed"


def test_an_urgent_order_runs_on_clock_hours_through_the_holiday(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    walk = Walk(api_client, users, demo, sample=9)  # 小区停水, 市供水集团
    walk.register("2026-09-30 14:00")
    walk.act("2026-09-30 14:10", "accept", grade="urgent")
    due = walk.act("2026-09-30 14:20", "dispatch")["due"]
    assert moment(due["handling"]) == at("2026-10-01 14:20")  # ours: 急办件 24 hours, on National Day itself
    assert moment(due["report_back"]) == at("2026-10-01 14:20")


def test_a_unit_returns_a_misrouted_order_and_the_centre_redispatches_or_refuses(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    walk = Walk(api_client, users, demo, sample=9)  # 小区停水: the water company's, not the district's
    walk.register("2026-10-12 08:00")
    walk.act("2026-10-12 08:10", "accept")
    walk.act("2026-10-12 08:20", "dispatch", unit="district", handler="district")
    version = api_client.get(users["district"], f"/complaints/{walk.number}").json()["version"]
    returned = api_client.post(
        users["district"],
        f"/complaints/{walk.number}/return",
        {"version": version, "reason": "not_our_remit", "note": "供水属供水集团职责"},
    )
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "accepted" and not returned.json()["in_scope"]  # back at the centre
    assert api_client.get(users["center"], f"/complaints/{walk.number}").json()["returns_count"] == 1
    redispatched = walk.act("2026-10-12 09:00", "dispatch")  # to the water company
    assert redispatched["status"] == "dispatched" and redispatched["dispatched_unit"] == "water"
    # The water company objects too; the centre finds the objection unfounded and sends it back.
    walk.act("2026-10-12 09:30", "return", reason="shared_duty", note="应由街道协调")
    refused = walk.act("2026-10-12 10:00", "refuse_return", note="停水属供水企业职责，请立即处置")
    assert refused["status"] == "dispatched" and refused["dispatched_unit"] == "water"
    assert refused["returns_count"] == 2
    assert due_day(refused["due"]["sign_for"]) == D(2026, 10, 13)


def test_a_repeated_call_is_linked_and_merged_into_the_first_order(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    first = Walk(api_client, users, demo, sample=2)  # 路灯不亮
    first.register("2026-10-12 20:00")
    first.act("2026-10-13 08:30", "accept")
    again = Walk(api_client, users, demo, sample=2)
    repeated = again.register("2026-10-14 19:00")  # the same caller, the same matter
    assert repeated["repeat_of"] == first.number and "repeat" in repeated["flags"]
    merged = again.act("2026-10-14 19:10", "merge", target=first.number, note="重复诉求，并单办理")
    assert merged["status"] == "merged" and merged["merged_into"] == first.number


def test_the_hotline_preset_names_its_people_kinds_and_fields(api_client, settings) -> None:
    users, demo = use_preset("hotline", settings)
    reference = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in reference["roles"]}
    assert roles["clerk"] == "热线话务员" and roles["center"] == "派单督办员"
    kinds = {k["code"]: k["label"] for k in reference["kinds"] if k["in_preset"]}
    assert kinds == {"inquiry": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "意见建议"}
    assert {r["code"] for r in reference["reasons"]["return"]} == {
        "not_our_remit",
        "shared_duty",
        "wrong_level",
        "incomplete_info",
    }
    emergency = next(r for r in reference["reasons"]["decline"] if r["code"] == "emergency_line")
    assert emergency["needs_forward"] and "紧急热线" in emergency["template"]
    fields = {f["code"]: f for f in reference["custom_fields"]}
    assert fields["wants_reply"]["choices"] == ["需要回复", "不需要回复"]
    bad = api_client.post(
        users["clerk"],
        "/complaints",
        {
            "channel": "hotline",
            "kind": "inquiry",
            "summary": "咨询",
            "content": "咨询办事流程",
            "complainants": [{"name": "王先生", "phone": "13800000000"}],
            "custom": {"wants_reply": "随便"},
        },
    )
    assert bad.status_code == 422 and bad.json()["data"]["field"] == "custom.wants_reply", bad.json()
    assert bad.json()["message"] == "是否需要回复：应为：需要回复、不需要回复"
