"""Acceptance (issue 14, part 7): an answer that meets two of three demands is refused naming the
third; it passes once the third is answered or declined with a reason; both are on record."""

from __future__ import annotations

import datetime as dt

import pytest

from tousu.complaints.actions import perform
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event
from tousu.core.errors import ValidationFailed
from tousu.replycheck.models import DemandItem

DEMANDS = "一、退还多收的手续费200元；二、柜员当面道歉；三、说明收费依据。"
TWO_OF_THREE = {
    "substantiated": "partly",
    "findings": "经调阅业务凭证和监控录像，网点多收手续费200元属实，柜员服务用语不规范。",
    "solution": "已退还多收的手续费200元，当班柜员已当面向客户致歉，并对其批评教育。",
    "proposed_reply": "您反映的多收手续费问题属实，已退还200元，柜员已向您当面致歉。",
}
THIRD = "手续费依据我行公示的《服务价格目录》第三条收取，已向您说明收费依据。"


@pytest.fixture
def in_progress(register, walk):
    return walk(register(demands=DEMANDS), "accept", "dispatch", "sign")


def _result(complaint: Complaint, actor, **fields) -> Complaint:
    return perform("submit_result", actor, complaint.number, {"version": complaint.version, **TWO_OF_THREE, **fields})


def test_demands_are_split_into_items_at_registration(register):
    c = register(demands=DEMANDS)
    assert [i.text for i in DemandItem.objects.filter(complaint=c)] == [
        "退还多收的手续费200元",
        "柜员当面道歉",
        "说明收费依据",
    ]


def test_a_result_meeting_two_of_three_demands_is_refused_naming_the_third(in_progress, handler):
    before = in_progress.version
    with pytest.raises(ValidationFailed) as err:
        _result(in_progress, handler)
    assert "说明收费依据" in err.value.message and "第3项" in err.value.message
    assert "手续费200元" not in err.value.message  # the answered ones are not named
    assert err.value.data["field"] == "declined"
    assert [u["position"] for u in err.value.data["unanswered"]] == [3]
    fresh = Complaint.objects.get(pk=in_progress.pk)
    assert (fresh.status, fresh.version, fresh.findings) == ("in_progress", before, "")
    assert set(DemandItem.objects.filter(complaint=fresh).values_list("state", flat=True)) == {"open"}
    assert not Event.objects.filter(complaint=fresh, action="submit_result").exists()


def test_a_result_passes_once_the_third_is_answered(in_progress, handler):
    c = _result(in_progress, handler, proposed_reply=TWO_OF_THREE["proposed_reply"] + THIRD)
    assert c.status == "pending_approval"
    items = DemandItem.objects.filter(complaint=c).order_by("position")
    assert [i.state for i in items] == ["answered"] * 3
    assert all(i.checked_for == "submit_result" and i.evidence["matched"] for i in items)
    event = Event.objects.get(complaint=c, action="submit_result")
    assert event.payload["demands"] == {"answered": [1, 2, 3], "declined": {}}
    report = verify_audit()
    assert report.ok, report.problems


def test_a_result_passes_once_the_third_is_declined_with_a_reason(in_progress, handler):
    with pytest.raises(ValidationFailed, match="第3项诉求不予回应的理由"):
        _result(in_progress, handler, declined={"3": "  "})
    c = _result(in_progress, handler, declined={"3": "收费依据已在上次来电时书面告知"})
    item = DemandItem.objects.get(complaint=c, position=3)
    assert (item.state, item.reason) == ("declined", "收费依据已在上次来电时书面告知")
    event = Event.objects.get(complaint=c, action="submit_result")
    assert event.payload["demands"] == {"answered": [1, 2], "declined": {"3": "收费依据已在上次来电时书面告知"}}
    report = verify_audit()
    assert report.ok, report.problems


def test_a_decline_of_an_item_that_does_not_exist_is_refused(in_progress, handler):
    with pytest.raises(ValidationFailed, match="没有第7项诉求"):
        _result(in_progress, handler, declined={"7": "无"})


def test_a_reply_meeting_two_of_three_demands_is_refused_naming_the_third(in_progress, handler, center):
    c = _result(in_progress, handler, proposed_reply=TWO_OF_THREE["proposed_reply"] + THIRD)
    c = perform("approve", center, c.number, {"version": c.version, "note": "同意"})
    reply = {"version": c.version, "method": "phone", "text": TWO_OF_THREE["proposed_reply"]}
    with pytest.raises(ValidationFailed) as err:
        perform("reply", handler, c.number, reply)
    assert "第3项「说明收费依据」" in err.value.message
    assert Complaint.objects.get(pk=c.pk).status == "approved"
    c = perform("reply", handler, c.number, {**reply, "text": reply["text"] + THIRD})
    assert c.status == "replied"
    assert Event.objects.get(complaint=c, action="reply").payload["demands"]["answered"] == [1, 2, 3]
    assert set(DemandItem.objects.filter(complaint=c).values_list("checked_for", flat=True)) == {"reply"}
    report = verify_audit()
    assert report.ok, report.problems


def test_a_reply_may_decline_and_a_decline_made_with_the_result_stands(in_progress, handler, center):
    c = _result(in_progress, handler, declined={"3": "依据已书面告知"})
    c = perform("approve", center, c.number, {"version": c.version, "note": "同意"})
    c = perform(
        "reply", handler, c.number, {"version": c.version, "method": "phone", "text": TWO_OF_THREE["proposed_reply"]}
    )
    item = DemandItem.objects.get(complaint=c, position=3)
    assert (item.state, item.reason, item.checked_for) == ("declined", "依据已书面告知", "reply")


def test_a_complaint_without_demands_needs_nothing(register, walk):
    c = walk(register(demands=""), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    assert c.status == "replied"
    assert "demands" not in Event.objects.get(complaint=c, action="reply").payload


def test_a_demand_for_the_handling_itself_is_met_by_answering(register, walk):
    """尽快办结 (the fixture's demand) asks for a result, which the answer is."""
    c = walk(register(demands="要求尽快办结，给个说法"), "accept", "dispatch", "sign", "submit_result")
    assert {i.evidence["rule"] for i in DemandItem.objects.filter(complaint=c)} == {"procedural"}


def test_a_complaint_from_before_items_existed_gets_them_at_its_first_check(in_progress, handler):
    DemandItem.objects.filter(complaint=in_progress).delete()  # as registered before the app
    with pytest.raises(ValidationFailed, match="说明收费依据"):
        _result(in_progress, handler)
    c = _result(in_progress, handler, declined={"3": "已另行告知"})
    assert DemandItem.objects.filter(complaint=c).count() == 3


def test_reply_quality_counts_items_answered_without_declining_per_unit(register, walk, handler):
    from tousu.replycheck.selectors import reply_quality

    first = walk(register(demands=DEMANDS), "accept", "dispatch", "sign")
    _result(first, handler, declined={"3": "依据已书面告知"})
    second = walk(register(demands=DEMANDS), "accept", "dispatch", "sign")
    _result(second, handler, proposed_reply=TWO_OF_THREE["proposed_reply"] + THIRD)
    (row,) = reply_quality()
    assert (row["unit"], row["items"], row["answered"], row["declined"]) == ("amr", 6, 5, 1)
    assert row["share_answered"] == round(5 / 6, 4)
    assert reply_quality(unit="amr") == [row]
    assert reply_quality(unit="housing") == [] and reply_quality(unit="nosuchunit") == []
    from django.utils import timezone

    assert reply_quality(since=timezone.now() + dt.timedelta(minutes=1)) == []


def test_the_refusal_names_no_complainant_to_a_unit_that_sees_the_redacted_view(register, walk, center, handler):
    c = walk(register(demands="一、给张三退还多收的手续费；二、张三要求柜员上门道歉"), "accept")
    c = perform(
        "dispatch",
        center,
        c.number,
        {"version": c.version, "unit": "amr", "mode": "assign", "handler": "handler", "redacted": True},
    )
    c = walk(c, "sign")
    with pytest.raises(ValidationFailed) as err:
        _result(c, handler, findings="经核查属实", solution="已整改", proposed_reply="已整改完毕")
    assert "张三" not in err.value.message and "张三" not in str(err.value.data)
    assert "退还多收的手续费" in err.value.message


def test_a_reply_on_the_spot_is_checked_against_the_demands_too(register, clerk):
    c = register(demands=DEMANDS)
    spot = {
        "solution": "当场核对业务凭证，退还多收的手续费200元，柜员当面道歉。",
        "reply_method": "phone",
        "reply_text": "多收的手续费200元已当场退还，柜员已向您当面道歉。",
    }
    with pytest.raises(ValidationFailed) as err:
        perform("resolve_on_spot", clerk, c.number, {"version": c.version, **spot})
    assert "说明收费依据" in err.value.message and "第3项" in err.value.message
    assert Complaint.objects.get(pk=c.pk).status == "registered"
    done = perform(
        "resolve_on_spot", clerk, c.number, {"version": c.version, **spot, "declined": {3: "投诉人当场表示无须说明"}}
    )
    assert done.status == "replied"
    states = dict(DemandItem.objects.filter(complaint=done).values_list("position", "state"))
    assert states == {1: "answered", 2: "answered", 3: "declined"}
    assert Event.objects.get(complaint=done, action="resolve_on_spot").payload["demands"]["declined"] == {
        "3": "投诉人当场表示无须说明"
    }
