"""The credit union preset (seed 003, 县农村信用合作联社《客户投诉管理办法（试行）》), walked over HTTP
with due dates worked out by hand on the 2026 calendar: National Day runs 1–7 October, Sunday
20 September and Saturday 10 October are working days. Outlet cases have 10 working days, union
cases 20; the review may be asked within 15 days (natural days, civil code art. 203 for the last
day) and is decided within 30 working days."""

import datetime as dt

import pytest
import time_machine

from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.presets import REGISTRY
from tousu.presets.tests.walk import Walk, at, due_day, use_preset

pytestmark = pytest.mark.django_db
D = dt.date


def test_an_outlet_complaint_received_the_working_day_before_national_day(api_client, settings) -> None:
    users, demo = use_preset("credit_union", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 城关信用社营业部, transferred (网点权限)
    created = walk.register("2026-09-30 10:00")
    # ours: acceptance within 1 working day; 1–7 Oct are the holiday, so Thursday 8 Oct.
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 8)
    walk.act("2026-09-30 11:00", "accept")
    dispatched = walk.act("2026-09-30 14:00", "dispatch")
    due = dispatched["due"]
    # 003-14: outlet authority, 10 working days: 8, 9, 10 (Saturday, worked), 12, 13, 14, 15, 16,
    # 19, 20 Oct. 003-16: the outlet reports its result upward when it answers the customer.
    assert due_day(due["handling"]) == D(2026, 10, 20)
    assert due_day(due["report_back"]) == D(2026, 10, 20)
    assert due_day(due["sign_for"]) == D(2026, 10, 8)  # ours: 1 working day
    walk.act("2026-10-08 09:00", "sign")
    walk.act("2026-10-09 10:00", "submit_result")
    walk.act("2026-10-09 14:00", "approve")  # the outlet's own head (转办)
    replied = walk.act("2026-10-09 16:00", "reply")
    # ours: follow-up within 5 working days: 10 (Saturday, worked), 12, 13, 14, 15 Oct.
    assert due_day(replied["due"]["follow_up"]) == D(2026, 10, 15)
    # 003-20: review within 15 days: 9 Oct + 15 = Saturday 24 Oct, a rest day, so Monday 26 Oct.
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 26)
    closed = walk.act("2026-10-12 09:00", "follow_up")
    assert closed["status"] == "closed"
    reviewed = walk.act("2026-10-12 14:00", "request_review")
    # 003-21: decided within 30 working days of 12 Oct: 13–16 (4), 19–23 (9), 26–30 (14),
    # 2–6 Nov (19), 9–13 (24), 16–20 (29), 23 Nov (30).
    assert due_day(reviewed["due"]["review"]) == D(2026, 11, 23)


def test_complaints_received_on_a_rest_day_run_ten_or_twenty_working_days(api_client, settings) -> None:
    users, demo = use_preset("credit_union", settings)
    union = Walk(api_client, users, demo, sample=6)  # 会计结算部, assigned: the union's own matter
    created = union.register("2026-10-11 09:00")  # a Sunday
    assert due_day(created["due"]["acceptance"]) == D(2026, 10, 12)  # Monday
    union.act("2026-10-12 09:00", "accept")
    dispatched = union.act("2026-10-12 10:00", "dispatch")
    # 003-15: union remit, 20 working days from receipt on Sunday 11 Oct, counted from Monday:
    # 12–16 (5), 19–23 (10), 26–30 (15), 2–6 Nov (20): Friday 6 Nov. No report-back: the 监察室
    # approves the result itself.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 11, 6)
    assert dispatched["due"]["report_back"] is None
    assert due_day(dispatched["due"]["sign_for"]) == D(2026, 10, 13)
    outlet = Walk(api_client, users, demo, sample=1)  # 东关分社, transferred: the outlet's authority
    outlet.register("2026-10-11 09:30")
    outlet.act("2026-10-12 09:00", "accept")
    dispatched = outlet.act("2026-10-12 10:00", "dispatch")
    # 003-14: 10 working days from receipt on Sunday 11 Oct: 12–16 (5), 19–23 (10): Friday 23 Oct.
    # The report upwards (003-16) runs 10 working days from the dispatch on 12 Oct: Monday 26 Oct.
    assert due_day(dispatched["due"]["handling"]) == D(2026, 10, 23)
    assert due_day(dispatched["due"]["report_back"]) == D(2026, 10, 26)


def test_an_outlet_case_escalated_to_the_union_runs_on_twenty_working_days(api_client, settings) -> None:
    users, demo = use_preset("credit_union", settings)
    walk = Walk(api_client, users, demo, sample=0)  # 城关信用社营业部, transferred
    walk.register("2026-09-30 10:00")
    walk.act("2026-09-30 11:00", "accept")
    walk.act("2026-09-30 14:00", "dispatch")
    walk.act("2026-10-08 09:00", "sign")
    # 003-13: beyond the outlet's authority, handed up (上报): level 1, the union's rule applies.
    escalated = walk.act("2026-10-08 10:00", "escalate", reason="涉及联社统一收费标准，超出网点处理权限")
    assert due_day(escalated["due"]["handling"]) == D(2026, 10, 20)  # escalation alone moves nothing
    center = users["center"]
    for action, body in (
        ("request_extension", {"days": 2, "reason": "需会计结算部核对收费标准"}),
        ("decide_extension", {"approved": True, "notice_method": "phone"}),
    ):
        with time_machine.travel(at("2026-10-08 11:00"), tick=False):
            version = api_client.get(center, f"/complaints/{walk.number}").json()["version"]
            answer = api_client.post(center, f"/complaints/{walk.number}/{action}", {"version": version, **body})
        assert answer.status_code == 200, answer.json()
    # 003-15: 20 working days from 30 Sep plus the 2 granted: 8, 9, 10 (Saturday, worked), 12–16 (8),
    # 19–23 (13), 26–30 (18), 2, 3 Nov (20), 4, Thursday 5 Nov (22).
    assert due_day(answer.json()["due"]["handling"]) == D(2026, 11, 5)


def _replied_on_16_september(api_client, users, demo) -> Walk:
    walk = Walk(api_client, users, demo, sample=4)  # 东关分社, transferred
    walk.register("2026-09-14 09:00")
    walk.act("2026-09-14 09:30", "accept")
    walk.act("2026-09-14 10:00", "dispatch")
    walk.act("2026-09-14 11:00", "sign")
    walk.act("2026-09-15 10:00", "submit_result")
    walk.act("2026-09-16 09:00", "approve")
    replied = walk.act("2026-09-16 10:00", "reply")
    # 16 Sep + 15 = Thursday 1 Oct, National Day: the review window ends the day after the
    # holiday ends, Thursday 8 Oct (civil code art. 203).
    assert due_day(replied["due"]["review_window"]) == D(2026, 10, 8)
    walk.act("2026-09-17 09:00", "follow_up")
    return walk


def test_a_review_window_ending_on_national_day_runs_to_the_first_working_day(api_client, settings) -> None:
    users, demo = use_preset("credit_union", settings)
    in_time = _replied_on_16_september(api_client, users, demo)
    reviewed = in_time.act("2026-10-08 16:00", "request_review")
    # 003-21: 30 working days from 8 Oct: 9, 10 (Saturday, worked), 12–16 (7), 19–23 (12),
    # 26–30 (17), 2–6 Nov (22), 9–13 (27), 16, 17, Wednesday 18 Nov (30).
    assert due_day(reviewed["due"]["review"]) == D(2026, 11, 18)
    late = _replied_on_16_september(api_client, users, demo)
    with time_machine.travel(at("2026-10-09 09:00"), tick=False):
        clerk = users["clerk"]
        version = api_client.get(clerk, f"/complaints/{late.number}").json()["version"]
        refused = api_client.post(
            clerk, f"/complaints/{late.number}/request_review", {"version": version, "reason": "申请复议"}
        )
    assert refused.status_code == 409 and refused.json()["message"] == "已超过复核申请期限"
    assert Complaint.objects.get(number=late.number).status == Status.CLOSED


def test_the_reference_names_the_supervision_office_and_its_decline_reasons(api_client, settings) -> None:
    users, demo = use_preset("credit_union", settings)
    ref = api_client.get(users["clerk"], "/reference").json()
    roles = {r["code"]: r["label"] for r in ref["roles"]}
    assert roles["center"] == "监察室" and roles["panel"] == "客户投诉责任认定小组"
    decline = {r["code"]: r for r in ref["reasons"]["decline"]}
    assert decline["staff_misconduct"]["needs_forward"]
    assert "直接利害关系" in decline["not_interested_party"]["template"]
    walk = Walk(api_client, users, demo, sample=9)  # 柜员办私事
    walk.register("2026-03-10 09:00")
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        center = users["center"]
        version = api_client.get(center, f"/complaints/{walk.number}").json()["version"]
        unnamed = api_client.post(
            center, f"/complaints/{walk.number}/decline", {"version": version, "reason": "staff_misconduct"}
        )
    assert unnamed.status_code == 422 and "forwarded_to" in str(unnamed.json())
    declined = walk.act(
        "2026-03-10 10:30", "decline", reason="staff_misconduct", forwarded_to="联社纪检监察室案件查处组"
    )
    assert declined["status"] == "declined"


def test_the_seed_lists_are_kept_verbatim() -> None:
    preset = REGISTRY["credit_union"]
    duties = {d.name: d for d in preset.duties}
    liable = [d for name, d in duties.items() if name.startswith("责任投诉（")]
    not_liable = [d for name, d in duties.items() if name.startswith("非责任投诉（")]
    assert len(liable) == 5 and len(not_liable) == 4
    assert duties["责任投诉（四）"].text.endswith("同时由责任人承担相应的纠纷资费。")
    assert duties["非责任投诉（四）"].text == "因客户挑剔、误会或不了解有关规定引发的客户投诉。"
    assert "003-29" in duties["责任投诉的处理（缺失）"].source
    outlet = next(r for r in preset.deadlines if r.name == "cu.handling.outlet")
    assert (outlet.amount, outlet.unit, outlet.when) == (10, "working_days", {"mode": "transfer", "level": 0})
