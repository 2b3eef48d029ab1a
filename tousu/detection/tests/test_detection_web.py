"""The detection screen (/detection/): the supervisor sees the group events and hot issues with
their members, and the centre splits and merges them on record; a clerk may look, not change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tousu.complaints import services
from tousu.complaints.inputs import RegisterIn
from tousu.detection.models import GroupEvent
from tousu.detection.selectors import shown_words

pytestmark = pytest.mark.django_db

BUS = {
    "channel": "hotline",
    "summary": "12路公交车在体育馆站不停车",
    "content": "12路公交车经过体育馆站时经常不进站、不停车，等车的老人只能追着车跑，非常危险。",
    "demands": "要求公交集团整改12路甩站问题",
}


def _group(clerk, count: int = 6) -> list[str]:
    return [
        services.register(
            actor=clerk,
            data=RegisterIn.model_validate(
                {
                    **BUS,
                    "complainants": [{"name": f"乘客{i}", "phone": f"1350000{i:04d}"}],
                    "received_at": f"2026-04-07T{8 + i:02d}:00:00",
                }
            ),
        ).complaint.number
        for i in range(count)
    ]


def test_the_screen_lists_group_events_and_hot_issues_with_members(client, clerk):
    numbers = _group(clerk)
    client.force_login(clerk)
    page = client.get("/detection/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "群体投诉事件" in text and "热点问题" in text and "12路公交车在体育馆站不停车" in text
    assert all(n in text for n in numbers)
    assert 'name="op" value="merge"' not in text  # a clerk looks, the centre changes
    assert "12路" in text and "route:" not in text  # a mark reads as the thing it names


def test_marks_read_as_the_things_they_name():
    assert shown_words(
        ["#噪声扰民", "夜间施工", "route:12", "building:3", "estate:幸福里小区", "batch:a2301", "12路"]
    ) == [
        "噪声扰民",
        "夜间施工",
        "12路",
        "3号楼",
        "幸福里小区",
        "批号a2301",
    ]


def test_the_centre_splits_on_record_and_bad_input_changes_nothing(client, clerk, center):
    numbers = _group(clerk)
    event = GroupEvent.objects.get()
    client.force_login(center)
    assert 'name="op" value="split"' in client.get("/detection/").content.decode()
    refused = client.post("/detection/", {"op": "split", "kind": "group", "id": event.pk, "reason": "另一事项"})
    assert refused.status_code == 422 and "请勾选" in refused.content.decode()
    bad = client.post("/detection/", {"op": "split", "kind": "group", "id": "x", "numbers": numbers[:1], "reason": "y"})
    assert bad.status_code == 422 and GroupEvent.objects.count() == 1
    done = client.post(
        "/detection/", {"op": "split", "kind": "group", "id": event.pk, "numbers": numbers[:1], "reason": "另一事项"}
    )
    assert done.status_code == 302 and GroupEvent.objects.count() == 2
    new = GroupEvent.objects.exclude(pk=event.pk).get()
    assert list(new.complaints.values_list("number", flat=True)) == numbers[:1]
    assert new.history[0]["reason"] == "另一事项" and new.history[0]["by"] == center.username
    merged = client.post(
        "/detection/", {"op": "merge", "kind": "group", "ids": [event.pk, new.pk], "reason": "同一事项"}
    )
    assert merged.status_code == 302 and event.complaints.count() == 6


def test_a_clerk_cannot_change_them(client, clerk):
    _group(clerk)
    event = GroupEvent.objects.get()
    client.force_login(clerk)
    answer = client.post("/detection/", {"op": "merge", "kind": "group", "ids": [event.pk, event.pk], "reason": "x"})
    assert answer.status_code == 403


def test_the_complaint_page_shows_the_evidence_and_the_clerk_decides_there(client, clerk):
    def register(content: str, at: str) -> str:
        body = {
            **BUS,
            "content": content,
            "complainants": [{"name": "李军", "phone": "13511112222"}],
            "received_at": at,
        }
        return services.register(actor=clerk, data=RegisterIn.model_validate(body)).complaint.number

    first = register(BUS["content"], "2026-04-01T09:00:00")
    second = register("上次反映12路在体育馆站不停车，到现在12路还是不进站，请交通运输局督促。", "2026-04-10T09:00:00")
    client.force_login(clerk)
    page = client.get(f"/c/{second}/").content.decode()
    assert "识别结果" in page and first in page and "共同的词" in page and "确认是重复投诉" in page
    empty = client.post("/detection/", {"op": "reject_repeat", "number": second, "reason": ""}, follow=True)
    assert "请填写理由" in empty.content.decode()
    done = client.post("/detection/", {"op": "reject_repeat", "number": second, "reason": "不是同一趟车"}, follow=True)
    assert "已否定重复投诉关联" in done.content.decode() and "不是同一趟车" in done.content.decode()
    graded = client.post(
        "/detection/",
        {"op": "override_grade", "number": second, "grade": "important", "reason": "涉及老人安全"},
        follow=True,
    )
    assert "等级已调整" in graded.content.decode() and "涉及老人安全" in graded.content.decode()
    assert client.post("/detection/", {"op": "confirm_repeat", "number": "TS2099000001"}).status_code == 404


def test_the_intake_fragment_shows_the_candidate_and_what_to_tell(client, clerk):
    at = (timezone.localtime() - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    body = {**BUS, "complainants": [{"name": "李军", "phone": "13522223333"}], "received_at": at}
    number = services.register(actor=clerk, data=RegisterIn.model_validate(body)).complaint.number
    client.force_login(clerk)
    page = client.get(
        "/detection/",
        {"phone": "135 2222 3333", "summary": "12路又在体育馆站不停车", "content": "12路公交车还是不进站"},
    )
    text = page.content.decode()
    assert page.status_code == 200 and number in text and "请告知来电人" in text and "办理期限" in text
    other = client.get("/detection/", {"phone": "13522223333", "summary": "宏达公司拖欠工资三个月"}).content.decode()
    assert "未发现" in other
