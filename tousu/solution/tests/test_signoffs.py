"""The sign-offs a solution's amount requires (the government preset's defaults: above 5,000 元
the centre's head, above 50,000 元 the organisation's leader), through the real services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tousu.complaints.actions import perform
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Notification
from tousu.complaints.states import Status
from tousu.complaints.work import queue
from tousu.core.errors import InvalidTransition, ValidationFailed
from tousu.solution import services
from tousu.solution.models import Solution

pytestmark = pytest.mark.django_db

RESULT = {"substantiated": "yes", "findings": "属实", "solution": "批评教育", "proposed_reply": "已整改"}


@pytest.fixture
def in_progress(register: Any, walk: Any) -> Complaint:
    return walk(register(), "accept", "dispatch", "sign")


def submit(org: dict, c: Complaint, lines: list[dict] | None = None, **fields: Any) -> Complaint:
    from tousu.conftest import declines

    body = {**RESULT, **fields}
    if lines is not None:
        body["lines"] = lines
    body["declined"] = declines(c, body)
    return perform("submit_result", org["handler"], c.number, {"version": c.version, **body})


def sign(user: Any, c: Complaint, approved: bool = True, note: str = "") -> Complaint:
    data = services.SignOff(version=c.version, approved=approved, note=note)
    return services.decide(actor=user, number=c.number, data=data)


def approve(org: dict, c: Complaint) -> Complaint:
    return perform("approve", org["center"], c.number, {"version": c.version, "note": "同意"})


def test_an_amount_under_the_threshold_is_approved_as_before(org, in_progress):
    c = submit(org, in_progress, [{"kind": "refund", "amount": "4999.99", "note": "退还多收费用"}])
    s = Solution.objects.get(complaint=c)
    assert s.state == "none" and s.steps == [] and s.total == Decimal("4999.99")
    assert c.compensation_type == "退款" and c.compensation_amount == Decimal("4999.99")
    assert approve(org, c).status == Status.APPROVED


def test_above_the_threshold_approve_is_refused_naming_the_centre_head(org, in_progress):
    c = submit(org, in_progress, [{"kind": "compensation", "amount": 6000}])
    with pytest.raises(InvalidTransition, match="马卫东") as refused:
        approve(org, c)
    assert "审批单位负责人签批" in refused.value.message
    c.refresh_from_db()
    assert c.status == Status.PENDING_APPROVAL
    assert "approve" not in [e.action for e in c.events.all()]


def test_the_centre_head_then_the_leader_sign_then_approve_works(org, in_progress):
    c = submit(
        org,
        in_progress,
        [
            {"kind": "compensation", "amount": "48000", "note": "误工损失"},
            {"kind": "goodwill", "amount": "3000"},
            {"kind": "apology", "amount": 0, "note": "书面道歉"},
        ],
    )
    assert c.compensation_amount == Decimal("51000.00")
    # The centre head's turn: in 我的待办, with the hand-off notice; not yet the leader's.
    assert c in queue(org["center_head"]) and c not in queue(org["leader"])
    assert c not in queue(org["center"])  # approve waits for the signatures
    assert Notification.objects.filter(complaint=c, recipient=org["center_head"], kind="work").exists()
    with pytest.raises(InvalidTransition, match="马卫东"):
        sign(org["leader"], c)  # out of turn

    c = sign(org["center_head"], c, note="同意赔付")
    assert c.status == Status.PENDING_APPROVAL
    with pytest.raises(InvalidTransition, match="林国华"):
        approve(org, c)
    assert c in queue(org["leader"]) and c not in queue(org["center_head"])
    assert Notification.objects.filter(complaint=c, recipient=org["leader"], kind="work").exists()

    c = sign(org["leader"], c)
    assert c in queue(org["center"])
    c = approve(org, c)
    assert c.status == Status.APPROVED
    events = list(c.events.filter(action="sign_solution").order_by("id"))
    assert [e.actor for e in events] == [org["center_head"], org["leader"]]
    assert events[0].note == "同意赔付" and events[0].payload["step"] == "审批单位负责人签批"
    assert Solution.objects.get(complaint=c).state == "signed"
    report = verify_audit()
    assert report.ok, report.problems


def test_a_refusal_sends_the_result_back_with_the_reason(org, in_progress):
    c = submit(org, in_progress, [{"kind": "refund", "amount": "8000"}])
    with pytest.raises(ValidationFailed, match="理由"):
        sign(org["center_head"], c, approved=False)
    c = sign(org["center_head"], c, approved=False, note="金额依据不足，请补充票据")
    assert c.status == Status.IN_PROGRESS
    event = c.events.get(action="refuse_solution")
    assert event.note == "金额依据不足，请补充票据" and event.to_status == Status.IN_PROGRESS
    assert Solution.objects.get(complaint=c).state == "refused"
    assert c in queue(org["handler"])
    texts = Notification.objects.filter(complaint=c, recipient=org["handler"]).values_list("message", flat=True)
    assert any("金额依据不足" in t for t in texts)
    # Resubmitted under the threshold: approved with no signature.
    c = approve(org, submit(org, c, [{"kind": "refund", "amount": "800"}]))
    assert c.status == Status.APPROVED
    assert verify_audit().ok


def test_the_old_pair_of_fields_still_means_one_line(org, in_progress):
    c = submit(org, in_progress, compensation_type="赔偿", compensation_amount="9999999")
    s = Solution.objects.get(complaint=c)
    assert [(x.kind, x.amount) for x in s.lines.all()] == [("compensation", Decimal("9999999.00"))]
    assert [st["signer"] for st in s.steps] == ["center_head", "leader"]
    with pytest.raises(InvalidTransition, match="马卫东"):
        approve(org, c)


def test_a_result_sent_back_withdraws_its_signoffs(org, in_progress):
    c = submit(org, in_progress, [{"kind": "repair", "amount": "7000"}])
    c = perform("reject_result", org["center"], c.number, {"version": c.version, "note": "调查不充分"})
    assert Solution.objects.get(complaint=c).state == "withdrawn"
    assert c not in queue(org["center_head"])


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ({"kind": "refund", "amount": "-1"}, "负数"),
        ({"kind": "refund", "amount": "1234567890123"}, "整数部分不超过12位"),
        ({"kind": "cash", "amount": "10"}, "未知的方案类型"),
        ({"kind": "refund", "amount": "12.345"}, "两位小数"),
        ({"kind": "refund", "amount": "abc"}, "金额格式不正确"),
        ({"kind": "apology", "amount": "5"}, "道歉不填金额"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(org, in_progress, line, words):
    version = in_progress.version
    with pytest.raises(ValidationFailed, match=words):
        submit(org, in_progress, [line])
    in_progress.refresh_from_db()
    assert in_progress.version == version and in_progress.status == Status.IN_PROGRESS
    assert not Solution.objects.filter(complaint=in_progress).exists()


def test_a_grade_rule_requires_its_signature_whatever_the_amount(org, register, walk, use_preset):
    use_preset(
        approvals=[
            {
                "label": "重大投诉",
                "when": {"grade": ["major"]},
                "step": {"label": "中心负责人签批", "head_of": "centre"},
            }
        ]
    )
    c = register()
    c = perform("accept", org["clerk"], c.number, {"version": c.version, "category": "G0201", "grade": "major"})
    c = walk(c, "dispatch", "sign")
    c = submit(org, c, [{"kind": "apology", "amount": "0"}])
    assert [s["signer"] for s in Solution.objects.get(complaint=c).steps] == ["center_head"]
    with pytest.raises(InvalidTransition, match="中心负责人签批"):
        approve(org, c)
