"""Review (复核, SPEC §9; seed 003-20/21): decided by the unit above the one whose result it is, from
the unit tree, not by the centre's supervisors; upheld closes, overturned reopens with the
reviewer's instructions; the decision is final, so the same result is not reviewed twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tousu.accounts.models import Unit, set_unit_path
from tousu.calendar.store import current
from tousu.complaints import inputs, services
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event, Notification
from tousu.complaints.reviewing import may_decide_review, review_unit
from tousu.complaints.services.timekeeping import scan_deadlines
from tousu.complaints.work import holders, queue
from tousu.core.errors import InvalidTransition, NotPermitted

pytestmark = pytest.mark.django_db

FINAL_REFUSAL = "本件已经复核，复核决定为最终决定，不能再次申请复核"
HANDLED = ("accept", "dispatch", "sign", "submit_result", "approve", "reply", "follow_up")


def fresh(c: Complaint) -> Complaint:
    return Complaint.objects.select_related("handling_unit", "dispatched_unit").get(pk=c.pk)


def decide(actor, c: Complaint, *, upheld: bool, note: str = "经复核，原处理并无不当") -> Complaint:
    c = fresh(c)
    return services.decide_review(
        actor=actor, number=c.number, data=inputs.DecideReview(version=c.version, upheld=upheld, note=note)
    )


def ask(actor, c: Complaint, reason: str = "认为处理过轻") -> Complaint:
    c = fresh(c)
    return services.request_review(actor=actor, number=c.number, data=inputs.Reason(version=c.version, reason=reason))


@pytest.fixture
def under_review(register, walk, clerk):
    """A case the market bureau (amr) handled and closed, its review asked: the county decides."""
    return ask(clerk, walk(register(), *HANDLED))


def test_the_unit_above_the_handling_unit_decides(under_review, org) -> None:
    r = review_unit(fresh(under_review))
    assert r is not None and (r.unit.code, r.decided.code if r.decided else None, r.fallback) == (
        "county",
        "amr",
        False,
    )
    assert may_decide_review(org["leader"], under_review)
    assert not may_decide_review(org["center"], under_review)
    assert not may_decide_review(org["head"], under_review)  # the handling unit's own head


def test_the_request_sets_the_review_deadline_and_names_the_reviewing_unit(under_review) -> None:
    c = fresh(under_review)
    assert c.status == "under_review" and c.review_due is not None and c.due_at == c.review_due
    event = c.events.get(action="request_review")
    assert event.payload["review_unit"] == "county" and "fallback" not in event.payload
    # The preset's review kind: 30 working days from the request (seed 003-21).
    assert c.due_rules["review"]["rule"] == "gov.review"
    days = current().working_days_between(timezone.localdate(event.created_at), timezone.localdate(c.review_due))
    assert days == 30


def test_upheld_by_the_parent_units_head_closes_and_says_it_is_final(under_review, org) -> None:
    c = decide(org["leader"], under_review, upheld=True)
    assert c.status == "closed"
    event = c.events.get(action="decide_review")
    assert event.actor == org["leader"] and event.payload["upheld"] is True and event.payload["final"] is True
    assert "复核决定为最终决定" in event.payload["decision"] and event.payload["review_unit"] == "county"
    report = verify_audit()
    assert report.ok, report.problems


@pytest.mark.parametrize("who", ["center", "center2", "head", "center_head"])
def test_others_are_refused_and_nothing_changes(under_review, org, who) -> None:
    """The centre's supervisors, the handling unit's head and the centre's own head do not decide a
    bureau's review: the county (the unit above the bureau) does."""
    before = fresh(under_review)
    with pytest.raises(NotPermitted) as refused:
        decide(org[who], under_review, upheld=True)
    assert refused.value.message == "复核由原处理单位（县市场监督管理局）的上级单位某县人民政府决定"
    after = fresh(under_review)
    assert (after.status, after.version) == (before.status, before.version)
    assert not Event.objects.filter(complaint=after, action="decide_review").exists()


def test_overturned_reopens_with_instructions_in_the_handlers_queue(under_review, org) -> None:
    c = decide(org["leader"], under_review, upheld=False, note="调查不充分，请补充调取窗口监控后重新答复")
    assert (c.status, c.handling_unit.code, c.handler) == ("in_progress", "amr", org["handler"])
    assert c.closed_at is None and c.handling_due is not None
    event = c.events.get(action="decide_review")
    assert event.payload["upheld"] is False and event.payload["instructions"].startswith("调查不充分")
    assert "撤销原处理结果" in event.payload["decision"] and "复核决定为最终决定" in event.payload["decision"]
    assert queue(org["handler"]).filter(pk=c.pk).exists()
    assert "submit_result" in holders(c)[org["handler"]]
    report = verify_audit()
    assert report.ok, report.problems


def test_a_second_request_after_an_upheld_decision_is_refused(under_review, org, clerk) -> None:
    decide(org["leader"], under_review, upheld=True)
    before = fresh(under_review)
    with pytest.raises(InvalidTransition) as refused:
        ask(clerk, under_review, "仍然不服")
    assert refused.value.message == FINAL_REFUSAL
    assert fresh(under_review).version == before.version
    assert Event.objects.filter(complaint=before, action="request_review").count() == 1


def test_a_new_result_after_an_overturn_may_be_reviewed_once_more(under_review, org, clerk, walk) -> None:
    c = decide(org["leader"], under_review, upheld=False, note="请重新调查")
    c = walk(c, "submit_result", "approve", "reply", "follow_up")
    assert c.status == "closed"
    c = ask(clerk, c, "对重新办理的结果仍不满意")  # a new result: allowed
    c = decide(org["leader"], c, upheld=True)
    with pytest.raises(InvalidTransition, match=FINAL_REFUSAL):
        ask(clerk, c)


def test_the_reviewers_queue_holds_the_case_and_nobody_elses(under_review, org) -> None:
    c = fresh(under_review)
    assert queue(org["leader"]).filter(pk=c.pk).exists()
    for who in ("center", "center2", "center_head", "head", "handler", "housing_head"):
        assert not queue(org[who]).filter(pk=c.pk).exists(), who
    assert set(holders(c)) == {org["leader"]}


def test_the_request_tells_the_reviewer(under_review, org) -> None:
    notice = Notification.objects.get(complaint=under_review, recipient=org["leader"], kind="work")
    assert "复核决定" in notice.message
    told = Notification.objects.filter(complaint=under_review, message__contains="复核决定")
    assert set(told.values_list("recipient__username", flat=True)) == {"leader"}


def test_the_reviewer_is_reminded_before_the_review_deadline(under_review, org) -> None:
    c = fresh(under_review)
    assert c.review_due is not None
    scan_deadlines(now=c.review_due - dt.timedelta(hours=1))
    reminded = set(
        Notification.objects.filter(complaint=c, kind="reminder").values_list("recipient__username", flat=True)
    )
    assert reminded == {"leader"}


def test_a_decline_is_reviewed_by_the_unit_above_the_centre(register, walk, org, clerk) -> None:
    c = ask(clerk, walk(register(), "decline"), "认为属于受理范围")
    r = review_unit(fresh(c))
    assert r is not None and (r.unit.code, r.fallback) == ("county", False)
    with pytest.raises(NotPermitted):
        decide(org["center"], c, upheld=False, note="应予受理")
    c = decide(org["leader"], c, upheld=False, note="应予受理，请重新分办")
    assert c.status == "accepted"


def test_a_section_result_is_reviewed_above_its_bureau(register, walk, org, clerk) -> None:
    """A case the bureau passed down to its section (下转) is the bureau's result to the centre."""
    c = walk(register(), "accept", "dispatch")
    c = fresh(c)
    c = services.sub_dispatch(
        actor=org["head"],
        number=c.number,
        data=inputs.SubDispatch(version=c.version, unit="amr-consumer", handler="consumer"),
    )
    c = fresh(c)
    assert (c.handling_unit.code, c.dispatched_unit.code) == ("amr-consumer", "amr")
    assert review_unit(c).unit.code == "county"  # type: ignore[union-attr]


def test_without_a_unit_above_the_centres_head_decides_and_the_event_says_so(register, walk, org, clerk) -> None:
    centre = Unit.objects.get(code="center")
    centre.parent = None
    centre.save()
    set_unit_path(centre)
    c = ask(clerk, walk(register(), "decline"), "认为属于受理范围")
    event = c.events.get(action="request_review")
    assert event.payload["fallback"] == "县行政效能投诉中心之上没有可作复核决定的单位，由县行政效能投诉中心负责人复核"
    with pytest.raises(NotPermitted, match="由县行政效能投诉中心负责人复核"):
        decide(org["center"], c, upheld=True)
    assert set(holders(fresh(c))) == {org["center_head"]}
    assert queue(org["center_head"]).filter(pk=c.pk).exists()
    c = decide(org["center_head"], c, upheld=True)
    assert c.status == "declined" and "fallback" in c.events.get(action="decide_review").payload


def test_a_reviewer_in_conflict_is_recused(under_review, org) -> None:
    c = fresh(under_review)
    services.mark_conflict(
        actor=org["center"],
        number=c.number,
        data=inputs.MarkConflict(version=c.version, user="leader", reason="与投诉人系亲属"),
    )
    with pytest.raises(NotPermitted, match="回避"):
        decide(org["leader"], c, upheld=True)
    assert not queue(org["leader"]).filter(pk=c.pk).exists()


def test_a_unit_above_with_nobody_to_decide_passes_it_on_up(org) -> None:
    """A section whose bureau has no head and no member who may decide: its bureau's parent does."""
    section = Unit.objects.get(code="amr-consumer")
    c = Complaint(handling_unit=section, dispatched_unit=section, review_from="closed")
    assert review_unit(c).unit.code == "amr"  # type: ignore[union-attr]
    Unit.objects.filter(code="amr").update(head=None)
    org["head"].role = "handler"
    org["head"].save()
    assert review_unit(c).unit.code == "county"  # type: ignore[union-attr]
    assert may_decide_review(org["leader"], c) and not may_decide_review(org["head"], c)
