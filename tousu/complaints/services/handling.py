"""Extensions, suspensions, result submission and approval (SPEC §5, §6)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import dues
from tousu.complaints.inputs import DecideExtension, Note, RequestExtension, RequiredNote, SubmitResult, Suspend
from tousu.complaints.models import Complaint, Extension, ReasonCode, ReplyMethod, Substantiated, Suspension
from tousu.complaints.services.common import begin, choice, finish, require
from tousu.complaints.states import Status
from tousu.core.errors import InvalidTransition, ValidationFailed
from tousu.investigation import rules as investigation
from tousu.presets.base import PERIOD_LABELS
from tousu.replycheck import services as replycheck
from tousu.solution import services as solution


@transaction.atomic(durable=True)
def request_extension(*, actor: User, number: str, data: RequestExtension) -> Complaint:
    complaint, before = begin(actor, number, "request_extension", data)
    if isinstance(data.days, bool) or not isinstance(data.days, int) or data.days < 1:
        raise ValidationFailed(_("延期天数须为正整数"), field="days")
    rule = dues.policy().rule_for(complaint, dues.HANDLING)
    cap = rule.extension_cap if rule and rule.extension_cap is not None else 0
    granted = complaint.extensions.filter(approved=True).aggregate(n=Sum("days"))["n"] or 0
    if granted + data.days > cap:
        raise ValidationFailed(
            _("延期合计不得超过 %(cap)s（已批准 %(granted)s）")
            % {"cap": _period(cap, rule.unit if rule else ""), "granted": _period(granted, rule.unit if rule else "")},
            code="extension_cap_exceeded",
            field="days",
            cap=cap,
            granted=granted,
            rule=rule.name if rule else None,
        )
    Extension.objects.create(
        complaint=complaint,
        days=data.days,
        reason=require(data.reason, "reason", _("请填写延期理由")),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    return finish(
        complaint, actor=actor, action="request_extension", before=before, note=data.reason, payload={"days": data.days}
    )


@transaction.atomic(durable=True)
def decide_extension(*, actor: User, number: str, data: DecideExtension) -> Complaint:
    """Approve or refuse the pending extension; an approval records the notice to the complainant."""
    complaint, before = begin(actor, number, "decide_extension", data)
    if not isinstance(data.approved, bool):
        raise ValidationFailed(_("请选择是否批准"), field="approved")
    ext = complaint.extensions.filter(approved__isnull=True).order_by("id").first()
    if ext is None:  # the action's guard (guards.pending_extension) found one
        raise InvalidTransition(_("没有待审批的延期申请"), number=complaint.number)
    now = timezone.now()
    ext.approved, ext.decided_by, ext.decided_at, ext.decision_note = data.approved, actor, now, data.note
    payload: dict = {"approved": data.approved, "days": ext.days}
    if data.approved:
        if not complaint.anonymous:
            ext.notice_method = choice(data.notice_method, ReplyMethod, "notice_method")
            ext.notice_at = now
            payload["notice"] = {"method": ext.notice_method, "at": now}
        dues.move_due(complaint, dues.HANDLING, ext.days)
        # The written report is due with the result: it moves with it (in the same unit of time).
        if dues.same_unit(complaint, dues.REPORT_BACK, dues.HANDLING):
            dues.move_due(complaint, dues.REPORT_BACK, ext.days)
            payload["report_due"] = complaint.report_due
        payload["handling_due"] = complaint.handling_due
    ext.save()
    return finish(complaint, actor=actor, action="decide_extension", before=before, note=data.note, payload=payload)


@transaction.atomic(durable=True)
def suspend(*, actor: User, number: str, data: Suspend) -> Complaint:
    complaint, before = begin(actor, number, "suspend", data)
    code = ReasonCode.objects.in_force().filter(group=ReasonCode.Group.SUSPEND, code=data.reason).first()
    if code is None:
        raise ValidationFailed(
            _("请选择中止原因"),
            field="reason",
            allowed=list(ReasonCode.objects.in_force().filter(group="suspend").values_list("code", flat=True)),
        )
    now = timezone.now()
    Suspension.objects.create(complaint=complaint, reason=code.code, note=data.note, started_at=now)
    complaint.status, complaint.suspended_at = Status.SUSPENDED, now
    return finish(
        complaint, actor=actor, action="suspend", before=before, note=data.note, payload={"reason": code.code}
    )


@transaction.atomic(durable=True)
def resume(*, actor: User, number: str, data: Note) -> Complaint:
    """Restart the clock: every running due date moves by the time spent suspended."""
    complaint, before = begin(actor, number, "resume", data)
    now = timezone.now()
    started = complaint.suspended_at or now
    for kind in (dues.HANDLING, dues.REPORT_BACK):
        rule = dues.policy().rule_for(complaint, kind)
        if rule:
            dues.move_due(complaint, kind, dues.policy().paused_units(rule, started, now))
    complaint.suspensions.filter(ended_at__isnull=True).update(ended_at=now)
    complaint.status, complaint.suspended_at = Status.IN_PROGRESS, None
    return finish(
        complaint,
        actor=actor,
        action="resume",
        before=before,
        note=data.note,
        payload={"handling_due": complaint.handling_due},
    )


def _period(amount: int, unit: str) -> str:
    """``amount`` of a rule's unit as a sentence says it: 30 工作日 (30 working days)."""
    return _(PERIOD_LABELS[unit]) % {"amount": amount} if unit in PERIOD_LABELS else str(amount)


def _amount(value: object, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed(_("金额格式不正确"), field=field) from None
    exponent = amount.as_tuple().exponent
    if not isinstance(exponent, int) or amount < 0 or exponent < -2:  # not an int: NaN or infinity
        raise ValidationFailed(_("金额须为非负数，最多两位小数"), field=field)
    return amount


@transaction.atomic(durable=True)
def submit_result(*, actor: User, number: str, data: SubmitResult) -> Complaint:
    complaint, before = begin(actor, number, "submit_result", data)
    investigation.enforce(complaint)  # the preset's root cause (8D/5W1H) and batch, where required
    complaint.substantiated = choice(data.substantiated, Substantiated, "substantiated")
    complaint.findings = require(data.findings, "findings", _("请填写调查情况"))
    complaint.solution = require(data.solution, "solution", _("请填写处理意见"))
    complaint.proposed_reply = require(data.proposed_reply, "proposed_reply", _("请填写拟答复意见"))
    answer = "\n".join((complaint.findings, complaint.solution, complaint.proposed_reply))
    demands = replycheck.enforce(complaint, actor=actor, action="submit_result", answer=answer, declined=data.declined)
    complaint.compensation_type = data.compensation_type.strip()
    complaint.compensation_amount = _amount(data.compensation_amount, "compensation_amount")
    settled = solution.record(complaint, actor=actor, data=data)  # its lines and the sign-offs they need
    complaint.status = Status.PENDING_APPROVAL
    return finish(
        complaint,
        actor=actor,
        action="submit_result",
        before=before,
        payload={
            "substantiated": complaint.substantiated,
            "compensation_type": complaint.compensation_type,
            "compensation_amount": complaint.compensation_amount,
            "solution": settled,
            **({"demands": demands} if demands else {}),
        },
    )


@transaction.atomic(durable=True)
def approve(*, actor: User, number: str, data: Note) -> Complaint:
    complaint, before = begin(actor, number, "approve", data)
    complaint.status = Status.APPROVED
    return finish(complaint, actor=actor, action="approve", before=before, note=data.note)


@transaction.atomic(durable=True)
def reject_result(*, actor: User, number: str, data: RequiredNote) -> Complaint:
    complaint, before = begin(actor, number, "reject_result", data)
    solution.withdraw(complaint)
    complaint.status = Status.IN_PROGRESS
    return finish(
        complaint,
        actor=actor,
        action="reject_result",
        before=before,
        note=require(data.note, "note", _("请填写退回意见")),
    )
