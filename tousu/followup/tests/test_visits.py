"""Return visits (issue 14 §4): each attempt on record with its time, method and outcome; unsatisfied
reopens, and unsatisfied again after re-handling is put under supervision; the unreachable rule and
who visits come from the preset; the centre may close without a visit only where the preset allows
it, with the reason, and every way to 已办结 passes the closing checks (§6)."""

from __future__ import annotations

import pytest

from tousu.complaints.access import allowed_actions
from tousu.complaints.actions import perform
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.services.closing import closing_refusals
from tousu.complaints.states import Status
from tousu.complaints.work import queue
from tousu.conftest import STEPS, declines
from tousu.core.errors import NotPermitted, TousuError
from tousu.followup.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(register, walk):
    return walk(register(), "accept", "dispatch", "sign", "submit_result", "approve", "reply")


def visit(c: Complaint, actor, satisfaction: str, **fields) -> Complaint:
    c = Complaint.objects.get(pk=c.pk)
    return perform("follow_up", actor, c.number, {"version": c.version, "satisfaction": satisfaction, **fields})


def test_each_attempt_is_recorded_with_its_time_method_and_outcome(replied, followup):
    c = visit(replied, followup, "unreachable", method="phone", note="无人接听")
    c = visit(c, followup, "satisfied", method="home", note="上门回访，表示满意")
    rows = list(Visit.objects.filter(complaint=c).values_list("attempt", "method", "outcome", "by__username"))
    assert rows == [(1, "phone", "unreachable", "followup"), (2, "home", "satisfied", "followup")]
    assert c.status == Status.CLOSED
    event = c.events.filter(action="follow_up").order_by("-seq").first()
    assert event.payload["visit"] == 2 and event.payload["method"] == "home"


def test_a_method_outside_the_presets_is_refused_and_writes_nothing(replied, followup):
    with pytest.raises(TousuError, match="回访方式须为") as err:
        visit(replied, followup, "satisfied", method="portal")
    assert err.value.data["field"] == "method"
    assert not Visit.objects.exists() and Complaint.objects.get(pk=replied.pk).status == Status.REPLIED


def test_unsatisfied_reopens_and_unsatisfied_again_is_supervised(replied, walk, followup, center, handler):
    c = visit(replied, followup, "unsatisfied", note="认为处理太轻")
    assert c.status == Status.IN_PROGRESS and c.supervise_count == 0
    c = walk(c, "submit_result", "approve", "reply")
    Notification.objects.all().delete()
    c = visit(c, followup, "unsatisfied", note="仍不满意")
    assert c.status == Status.IN_PROGRESS and c.supervise_count == 1
    assert c.events.filter(action="follow_up").order_by("-seq").first().payload["escalated"] is True
    told = set(
        Notification.objects.filter(message__contains="第2次回访仍不满意").values_list("recipient__username", flat=True)
    )
    assert {"handler", "center"} <= told


def test_the_centre_may_close_an_unsatisfied_case_with_its_reason(replied, followup, center):
    with pytest.raises(NotPermitted):
        visit(replied, followup, "unsatisfied", close_anyway=True, note="诉求超出政策")
    c = visit(replied, center, "unsatisfied", close_anyway=True, note="诉求超出政策范围，已解释")
    assert c.status == Status.CLOSED and c.close_reason == "诉求超出政策范围，已解释"


def test_unreachable_closure_follows_the_presets_number(replied, followup, use_preset):
    use_preset(thresholds={"unreachable_attempts": 2})
    with pytest.raises(TousuError, match="须满 2 次"):
        visit(replied, followup, "unreachable", close_unreachable=True)
    c = visit(replied, followup, "unreachable")
    c = visit(c, followup, "unreachable", close_unreachable=True)
    assert c.status == Status.CLOSED and c.close_reason == "多次回访联系不上，按规定办结"
    assert Visit.objects.filter(complaint=c).count() == 2


def test_the_unit_that_handled_it_visits_where_the_preset_says(replied, org, use_preset):
    use_preset(aftercare={"by": "unit"})
    handler, housing, followup = org["handler"], org["housing"], org["followup"]
    assert "follow_up" in allowed_actions(handler, replied)
    assert replied in queue(handler) and replied not in queue(followup)
    assert "follow_up" not in allowed_actions(housing, replied)
    c = visit(replied, handler, "satisfied")
    assert c.status == Status.CLOSED


def test_the_unit_above_visits_where_the_preset_says(register, walk, org, use_preset):
    use_preset(aftercare={"by": "parent"})
    consumer, head, center = org["consumer"], org["head"], org["center"]
    c = walk(register(), "accept")
    steps = [
        (center, "dispatch", {"unit": "amr-consumer", "mode": "assign", "handler": "consumer"}),
        (consumer, "sign", {}),
        (consumer, "submit_result", STEPS["submit_result"](org)[1]),
        (center, "approve", {}),
        (consumer, "reply", STEPS["reply"](org)[1]),
    ]
    for actor, action, fields in steps:
        fields = {**fields, "declined": declines(c, fields)} if action in ("submit_result", "reply") else fields
        c = perform(action, actor, c.number, {"version": c.version, **fields})
    # 消费者权益保护股's case: the bureau above it (县市场监督管理局) visits.
    assert c in queue(head) and c not in queue(consumer) and c not in queue(org["followup"])
    with pytest.raises(TousuError, match="县市场监督管理局回访"):
        visit(c, consumer, "satisfied")
    assert visit(c, head, "basic").status == Status.CLOSED


def test_a_unit_under_the_top_is_visited_by_the_centre(replied, org, use_preset):
    use_preset(aftercare={"by": "parent"})  # amr's parent is the county government itself
    assert replied in queue(org["followup"]) and replied not in queue(org["leader"])


def test_closing_without_a_visit_needs_the_preset_and_a_reason(replied, center, use_preset):
    with pytest.raises(TousuError, match="免予回访的理由"):
        perform("close", center, replied.number, {"version": replied.version, "reason": "  "})
    c = perform("close", center, replied.number, {"version": replied.version, "reason": "投诉人要求不再联系"})
    assert c.status == Status.CLOSED and c.close_reason == "免予回访：投诉人要求不再联系"
    assert c.events.get(action="close").note == "投诉人要求不再联系"


def test_a_preset_that_visits_every_case_offers_no_waiver(replied, center, use_preset):
    use_preset(aftercare={"waivable": False})
    assert "close" not in allowed_actions(center, replied)
    with pytest.raises(TousuError, match="每件均须回访"):
        perform("close", center, replied.number, {"version": replied.version, "reason": "不再联系"})


def test_the_closing_checks_name_what_is_missing(replied):
    c = Complaint.objects.get(pk=replied.pk)
    assert closing_refusals(c, visited=True) == []
    assert closing_refusals(c) == ["尚未回访，也未说明免予回访的理由"]
    c.channel, c.reply_method = "letter", "phone"  # a written complaint answered by phone only
    assert closing_refusals(c, visited=True) == ["书面投诉须书面答复，现仅有「电话」答复"]
    c.replied_at = None
    assert closing_refusals(c, visited=True) == ["尚未答复投诉人"]


def test_an_open_extension_request_stops_the_closing(replied, use_preset):
    c = Complaint.objects.get(pk=replied.pk)
    c.extensions.create(days=5, reason="需调取档案", requested_by=c.registered_by, requested_at=c.received_at)
    assert closing_refusals(c, visited=True) == ["有延期申请待审批"]
    use_preset(aftercare={"checks": ["reply_form"]})
    assert closing_refusals(c) == []
