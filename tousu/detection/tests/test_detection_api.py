"""Detection through the API (issue 13 parts 5, 6, 7, 9): the registering response and the detail
carry ``repeat_of``, ``group_event``, ``hot_issue`` and the evidence; the candidate while the
caller is on the phone; confirm and reject on record; look-alikes kept apart; grading and its
override; hot issues and group events listed, split and merged on record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tousu.complaints.models import Event, Notification
from tousu.detection.models import GroupEvent, HotIssue, RepeatLink

pytestmark = pytest.mark.django_db

BUS = {
    "channel": "hotline",
    "summary": "3路公交车到站不停",
    "content": "我每天早上在火车站站等3路公交车上班，最近好几次车到站都不停，直接开走了，司机根本不看站台上的人。",
    "demands": "请公交公司管一管3路的司机",
    "respondents": [{"unit_name": "市公交集团"}],
}
BUS_AGAIN = {
    "channel": "hotline",
    "summary": "3路甩站问题投诉后没有改正",
    "content": "我之前向公交集团投诉过3路公交车在火车站站不停车的事情，到现在3路还是到站不停，请交通运输局督促公交集团处理。",
    "demands": "请交通运输局督促3路整改",
    "respondents": [{"unit_name": "市交通运输局"}],
}
WAGES = {
    "channel": "hotline",
    "summary": "宏达建筑公司拖欠工资",
    "content": "我在宏达建筑工程有限公司的工地上干钢筋工，公司已经三个月没发工资了，一共欠我一万二，找项目经理一直推。",
    "respondents": [{"unit_name": "宏达建筑工程有限公司"}],
}


def _body(base: dict[str, Any], phone: str, received_at: str, name: str = "王伟", **more: Any) -> dict[str, Any]:
    return {**base, "complainants": [{"name": name, "phone": phone}], "received_at": received_at, **more}


def test_a_reworded_complaint_to_another_respondent_is_a_repeat_with_its_evidence(api_client, clerk):
    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000001", "2026-03-02T08:30:00"))
    assert first.status_code == 201, first.json()
    assert first.json()["repeat_of"] is None and first.json()["detection"]["repeat"] is None
    second = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000001", "2026-03-20T09:00:00"))
    answer = second.json()
    assert answer["repeat_of"] == first.json()["number"]
    evidence = answer["detection"]["repeat"]
    assert evidence["original"] == first.json()["number"] and evidence["state"] == "proposed"
    assert evidence["score"] >= 0.2 and "3" in " ".join(evidence["shared"]) or "公交集团" in evidence["shared"]
    assert "repeat" in answer["flags"]
    detail = api_client.get(clerk, f"/complaints/{answer['number']}").json()
    assert detail["repeat_of"] == first.json()["number"]
    assert detail["detection"]["repeat"] == evidence
    assert detail["group_event"] is None and detail["hot_issue"] is None


def test_the_same_phone_about_another_matter_is_not_a_repeat(api_client, clerk):
    api_client.post(clerk, "/complaints", _body(BUS, "13800000002", "2026-03-02T08:30:00"))
    other = api_client.post(clerk, "/complaints", _body(WAGES, "13800000002", "2026-03-05T08:30:00")).json()
    assert other["repeat_of"] is None and "repeat" not in other["flags"]


def test_a_repeat_outside_the_window_is_not_linked(api_client, clerk):
    api_client.post(clerk, "/complaints", _body(BUS, "13800000003", "2026-01-02T08:30:00"))
    late = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000003", "2026-03-20T08:30:00")).json()
    assert late["repeat_of"] is None


def _days_ago(days: int) -> str:
    return (timezone.localtime() - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")


def test_the_candidate_on_the_phone_tells_the_progress_and_writes_nothing(api_client, clerk):
    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000004", _days_ago(3))).json()
    events = Event.objects.count()
    answer = api_client.get(
        clerk, "/repeat-candidates", phone="138 0000 0004", summary=BUS_AGAIN["summary"], content=BUS_AGAIN["content"]
    )
    assert answer.status_code == 200
    [candidate] = answer.json()["candidates"]
    assert candidate["number"] == first["number"] and candidate["open"] is True
    assert "办理期限" in candidate["tell"] and first["number"] in candidate["tell"]
    assert Event.objects.count() == events
    unrelated = api_client.get(clerk, "/repeat-candidates", phone="13800000004", summary="宏达公司拖欠工资")
    assert unrelated.json()["candidates"] == []
    assert api_client.get(clerk, "/repeat-candidates", phone="13800000099", summary="3路").json()["candidates"] == []


def test_the_candidate_restates_the_result_once_closed(api_client, clerk, walk):
    from tousu.complaints.models import Complaint

    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000005", _days_ago(3))).json()
    complaint = Complaint.objects.get(number=first["number"])
    walk(complaint, "accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")
    [candidate] = api_client.get(
        clerk, "/repeat-candidates", phone="13800000005", summary=BUS_AGAIN["summary"], content=BUS_AGAIN["content"]
    ).json()["candidates"]
    assert candidate["open"] is False and candidate["reply_text"] == "经核查属实,已整改。"
    assert "已办结" in candidate["tell"] and "经核查属实" in candidate["tell"]


def test_the_clerk_rejects_a_repeat_link_with_a_reason_on_record(api_client, clerk):
    api_client.post(clerk, "/complaints", _body(BUS, "13800000006", "2026-03-02T08:30:00"))
    second = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000006", "2026-03-20T09:00:00")).json()
    path = f"/complaints/{second['number']}/repeat-decision"
    refused = api_client.post(clerk, path, {"confirm": False, "reason": " "})
    assert refused.status_code == 422 and refused.json()["data"]["field"] == "reason"
    assert RepeatLink.objects.get(complaint__number=second["number"]).state == "proposed"
    answer = api_client.post(clerk, path, {"confirm": False, "reason": "来电人说是另一趟车"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["repeat_of"] is None and "repeat" not in answer.json()["flags"]
    assert answer.json()["detection"]["repeat"]["state"] == "rejected"
    event = Event.objects.filter(number=second["number"]).latest("seq")
    assert event.action == "reject_repeat" and event.note == "来电人说是另一趟车" and event.actor == clerk
    again = api_client.post(clerk, path, {"confirm": True})
    assert again.status_code == 422


def test_the_clerk_confirms_a_repeat_link(api_client, clerk):
    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000007", "2026-03-02T08:30:00")).json()
    second = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000007", "2026-03-20T09:00:00")).json()
    answer = api_client.post(clerk, f"/complaints/{second['number']}/repeat-decision", {"confirm": True}).json()
    assert answer["repeat_of"] == first["number"] and answer["flags"]["repeat"]["by"] == clerk.username
    assert Event.objects.filter(number=second["number"], action="confirm_repeat").exists()


def _people(api_client, clerk, base: dict[str, Any], count: int, day: str, start: int) -> list[dict[str, Any]]:
    return [
        api_client.post(
            clerk, "/complaints", _body(base, f"1390000{start + i:04d}", f"{day}T{8 + i:02d}:10:00", name=f"居民{i}")
        ).json()
        for i in range(count)
    ]


def test_five_people_on_one_route_make_a_group_event_and_another_route_stays_apart(api_client, clerk, center):
    five = _people(api_client, clerk, BUS, 5, "2026-04-07", 0)
    route5 = {k: v.replace("3路", "5路") if isinstance(v, str) else v for k, v in BUS.items()}
    others = _people(api_client, clerk, route5, 4, "2026-04-07", 100)
    event = GroupEvent.objects.get()
    assert sorted(event.complaints.values_list("number", flat=True)) == sorted(c["number"] for c in five)
    assert event.people == 5
    assert not any(o["number"] in event.complaints.values_list("number", flat=True) for o in others)
    # the fifth one's answer carries the event; every member got the group flag and the top grade
    assert five[-1]["group_event"]["id"] == event.pk and five[-1]["grade"] == "major"
    first = api_client.get(clerk, f"/complaints/{five[0]['number']}").json()
    assert first["group_event"]["id"] == event.pk and "group" in first["flags"] and first["grade"] == "major"
    assert Event.objects.filter(number=five[0]["number"], action="detect_group").exists()
    assert Notification.objects.filter(recipient=center, message__contains="群体投诉").exists()
    listed = api_client.get(center, "/group-events").json()["items"]
    assert [g["id"] for g in listed] == [event.pk] and len(listed[0]["members"]) == 5
    # the look-alikes (5路) are a hot issue of their own, not part of the 3路 one
    hot = {h.pk: set(h.complaints.values_list("number", flat=True)) for h in HotIssue.objects.all()}
    assert {o["number"] for o in others} in hot.values()
    assert {c["number"] for c in five} in hot.values()


def test_staff_split_and_merge_a_group_event_on_record(api_client, clerk, center):
    five = _people(api_client, clerk, BUS, 6, "2026-04-07", 200)
    event = GroupEvent.objects.get()
    out = [five[0]["number"]]
    refused = api_client.post(clerk, f"/group-events/{event.pk}/split", {"numbers": out, "reason": "另一事项"})
    assert refused.status_code == 403
    bad = api_client.post(center, f"/group-events/{event.pk}/split", {"numbers": ["TS2026999999"], "reason": "x"})
    assert bad.status_code == 422 and GroupEvent.objects.count() == 1
    split = api_client.post(center, f"/group-events/{event.pk}/split", {"numbers": out, "reason": "另一事项"})
    assert split.status_code == 200, split.json()
    assert [m["number"] for m in split.json()["members"]] == out
    event.refresh_from_db()
    assert event.curated and event.history[-1]["action"] == "split" and event.history[-1]["by"] == center.username
    merged = api_client.post(
        center, "/group-events/merge", {"ids": [event.pk, split.json()["id"]], "reason": "同一事项"}
    )
    assert merged.status_code == 200 and len(merged.json()["members"]) == 6
    assert [g["id"] for g in api_client.get(center, "/group-events").json()["items"]] == [event.pk]


def test_three_people_over_weeks_make_a_hot_issue(api_client, clerk):
    days = ["2026-05-04", "2026-05-12", "2026-05-25"]
    made = [
        api_client.post(clerk, "/complaints", _body(WAGES, f"1370000000{i}", f"{d}T09:00:00", name=f"工人{i}")).json()
        for i, d in enumerate(days)
    ]
    issue = HotIssue.objects.get()
    assert issue.people == 3 and not GroupEvent.objects.exists()
    detail = api_client.get(clerk, f"/complaints/{made[0]['number']}").json()
    assert detail["hot_issue"]["id"] == issue.pk and detail["hot_issue"]["size"] == 3
    assert api_client.get(clerk, "/hot-issues").json()["items"][0]["id"] == issue.pk
    assert api_client.get(clerk, "/hot-issues/999999").status_code == 404


def test_grading_rules_fire_and_staff_override_with_a_reason(api_client, clerk, center):
    body = _body(WAGES, "13600000001", "2026-05-04T09:00:00")
    body["content"] += "如果再不解决，我就找记者曝光，并请律师起诉。"
    answer = api_client.post(clerk, "/complaints", body).json()
    fired = {f["rule"] for f in answer["detection"]["grading"]["fired"]}
    assert fired == {"media", "litigation"} and answer["grade"] == "important"
    register = Event.objects.get(number=answer["number"], action="register")
    assert {f["rule"] for f in register.payload["grading"]} == fired
    path = f"/complaints/{answer['number']}/grade-override"
    assert api_client.post(center, path, {"grade": "nonsense", "reason": "x"}).status_code == 422
    assert api_client.post(center, path, {"grade": "normal", "reason": ""}).status_code == 422
    done = api_client.post(center, path, {"grade": "normal", "reason": "只是情绪化表达"}).json()
    assert done["grade"] == "normal" and done["detection"]["grading"]["override_reason"] == "只是情绪化表达"
    assert Event.objects.filter(number=answer["number"], action="override_grade").get().note == "只是情绪化表达"


def test_bad_input_gets_a_chinese_error_not_a_500(api_client, clerk):
    long = api_client.get(clerk, "/repeat-candidates", phone="1" * 50)
    assert long.status_code == 422
    merge = api_client.post(clerk, "/hot-issues/merge", {"ids": [1], "reason": "x"})
    assert merge.status_code in (403, 422)
    assert api_client.get(clerk, "/group-events/abc").status_code in (404, 422)


def test_where_the_preset_says_so_a_repeat_urges_the_open_original(api_client, clerk, handler, walk, use_preset):
    from tousu.complaints.models import Complaint

    use_preset(detection={"repeat_urge": True})  # the telecom rule (seed 004-126)
    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000008", _days_ago(5))).json()
    original = walk(Complaint.objects.get(number=first["number"]), "accept", "dispatch")
    second = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000008", _days_ago(1))).json()
    assert second["repeat_of"] == first["number"]
    original.refresh_from_db()
    assert original.urge_count == 1
    urge = Event.objects.filter(number=first["number"], action="urge").get()
    assert urge.actor is None and urge.payload["repeat"] == second["number"] and urge.payload["automatic"]
    assert Notification.objects.filter(recipient=handler, complaint=original, message__contains="自动催办").exists()


def test_without_it_a_repeat_urges_nothing(api_client, clerk, walk):
    from tousu.complaints.models import Complaint

    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000009", _days_ago(5))).json()
    walk(Complaint.objects.get(number=first["number"]), "accept", "dispatch")
    api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000009", _days_ago(1)))
    assert not Event.objects.filter(number=first["number"], action="urge").exists()


def test_complaints_written_without_register_are_indexed_and_linked_on_record(api_client, clerk):
    """A ledger import writes rows directly (complaints.bulk): ``index_existing`` runs detection
    for them afterwards, from the keyed phone index, never decrypting."""
    from tousu.complaints.models import Complaint
    from tousu.detection.models import ComplaintPrint, IdentityKey, Term
    from tousu.detection.services import index_existing

    first = api_client.post(clerk, "/complaints", _body(BUS, "13800000010", "2026-03-02T08:30:00")).json()
    second = api_client.post(clerk, "/complaints", _body(BUS_AGAIN, "13800000010", "2026-03-20T09:00:00")).json()
    ids = list(Complaint.objects.filter(number__in=[first["number"], second["number"]]).values_list("pk", flat=True))
    for model in (ComplaintPrint, IdentityKey, Term, RepeatLink):  # as if imported: no detection yet
        model.objects.filter(complaint_id__in=ids).delete()
    Complaint.objects.filter(number=second["number"]).update(repeat_of=None)
    assert index_existing(ids) == 2
    again = Complaint.objects.get(number=second["number"])
    assert again.repeat_of.number == first["number"] and "repeat" in again.flags
    assert Event.objects.filter(number=second["number"], action="detect_repeat", actor=None).exists()
    assert ComplaintPrint.objects.filter(complaint_id__in=ids).count() == 2
    assert index_existing(ids) == 0  # idempotent


def test_a_reader_sees_only_the_members_in_their_scope(api_client, clerk, center, handler):
    _people(api_client, clerk, BUS, 5, "2026-04-07", 300)
    assert len(api_client.get(center, "/group-events").json()["items"][0]["members"]) == 5
    assert api_client.get(handler, "/group-events").json()["items"] == []  # none dispatched to the unit yet
    event = GroupEvent.objects.get()
    assert api_client.get(handler, f"/group-events/{event.pk}").status_code == 404
