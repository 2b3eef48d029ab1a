"""The clerk corrects the split of the demands, on record; the handling unit may not."""

from __future__ import annotations

import pytest

from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Event
from tousu.core.errors import InvalidTransition, NotPermitted, ValidationFailed
from tousu.replycheck import services
from tousu.replycheck.models import DemandItem
from tousu.replycheck.selectors import demand_items_of


def _texts(complaint) -> list[str]:
    return list(DemandItem.objects.filter(complaint=complaint).order_by("position").values_list("text", flat=True))


def test_the_clerk_edits_the_items_on_record(register, clerk):
    c = register(demands="要求退还年费并说明收费依据")
    assert _texts(c) == ["要求退还年费", "说明收费依据"]
    services.edit_items(actor=clerk, number=c.number, items=["退还年费", " 说明收费依据 ", "", "柜员道歉"])
    assert _texts(c) == ["退还年费", "说明收费依据", "柜员道歉"]
    event = Event.objects.get(complaint=c, action="edit_demands")
    assert event.actor == clerk
    assert event.payload == {
        "items": ["退还年费", "说明收费依据", "柜员道歉"],
        "before": ["要求退还年费", "说明收费依据"],
    }
    assert [i["text"] for i in demand_items_of(c)] == ["退还年费", "说明收费依据", "柜员道歉"]
    report = verify_audit()
    assert report.ok, report.problems


def test_items_set_to_none_stay_none(register, clerk):
    c = register(demands="要求退还年费")
    services.edit_items(actor=clerk, number=c.number, items=[])
    assert _texts(c) == [] and services.items_of(c) == [] and demand_items_of(c) == []


def test_a_handler_may_not_edit_the_items(register, walk, handler):
    c = walk(register(demands="要求退还年费并说明收费依据"), "accept", "dispatch", "sign")
    with pytest.raises(NotPermitted):
        services.edit_items(actor=handler, number=c.number, items=["随便"])
    assert _texts(c) == ["要求退还年费", "说明收费依据"]
    assert not Event.objects.filter(complaint=c, action="edit_demands").exists()


def test_bad_edits_are_refused_and_change_nothing(register, clerk):
    c = register(demands="要求退还年费")
    with pytest.raises(ValidationFailed, match="没有变化"):
        services.edit_items(actor=clerk, number=c.number, items=["要求退还年费"])
    with pytest.raises(ValidationFailed, match="不超过20项"):
        services.edit_items(actor=clerk, number=c.number, items=[f"第{i}项" for i in range(21)])
    with pytest.raises(ValidationFailed, match="第1项诉求不超过500字"):
        services.edit_items(actor=clerk, number=c.number, items=["长" * 501])
    assert _texts(c) == ["要求退还年费"] and c.version == type(c).objects.get(pk=c.pk).version


def test_a_closed_complaint_keeps_its_items(register, walk, clerk):
    c = walk(register(demands="要求尽快办结"), "accept", "dispatch", "sign", "submit_result", "approve", "reply")
    c = walk(c, "follow_up")
    with pytest.raises(InvalidTransition):
        services.edit_items(actor=clerk, number=c.number, items=["别的"])
