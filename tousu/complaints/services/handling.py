"""Extensions, suspensions, result submission and approval (SPEC §5, §6)."""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints import deadlines
from tousu.complaints.models import Complaint, Extension, ReasonCode, ReplyMethod, Substantiated, Suspension
from tousu.complaints.services.common import begin, choice, finish, move_due, require
from tousu.complaints.states import Status
from tousu.core.errors import ValidationFailed


@transaction.atomic(durable=True)
def request_extension(*, actor: User, number: str, version: int, days: int, reason: str) -> Complaint:
    complaint, before = begin(actor, number, version, "request_extension")
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValidationFailed(_("延期天数须为正整数"), field="days")
    rule = deadlines.policy().rule_for(complaint, deadlines.HANDLING)
    cap = rule.extension_cap if rule and rule.extension_cap is not None else 0
    granted = complaint.extensions.filter(approved=True).aggregate(n=Sum("days"))["n"] or 0
    if granted + days > cap:
        raise ValidationFailed(
            _("延期合计不得超过 %(cap)d 个%(unit)s(已批准 %(granted)d)") % {
                "cap": cap, "unit": deadlines.UNIT_LABELS.get(rule.unit if rule else "", ""), "granted": granted},
            code="extension_cap_exceeded", field="days", cap=cap, granted=granted,
            rule=rule.name if rule else None)
    Extension.objects.create(complaint=complaint, days=days, reason=require(reason, "reason", _("请填写延期理由")),
                             requested_by=actor, requested_at=timezone.now())
    return finish(complaint, actor=actor, action="request_extension", before=before, note=reason,
                  payload={"days": days})


@transaction.atomic(durable=True)
def decide_extension(*, actor: User, number: str, version: int, approved: bool, note: str = "",
                     notice_method: str = "") -> Complaint:
    """Approve or refuse the pending extension; an approval records the notice to the complainant."""
    complaint, before = begin(actor, number, version, "decide_extension")
    if not isinstance(approved, bool):
        raise ValidationFailed(_("请选择是否批准"), field="approved")
    ext = complaint.extensions.filter(approved__isnull=True).order_by("id").first()
    now = timezone.now()
    ext.approved, ext.decided_by, ext.decided_at, ext.decision_note = approved, actor, now, note
    payload: dict = {"approved": approved, "days": ext.days}
    if approved:
        if not complaint.anonymous:
            ext.notice_method = choice(notice_method, ReplyMethod, "notice_method")
            ext.notice_at = now
            payload["notice"] = {"method": ext.notice_method, "at": now}
        move_due(complaint, deadlines.HANDLING, ext.days)
        payload["handling_due"] = complaint.handling_due
    ext.save()
    return finish(complaint, actor=actor, action="decide_extension", before=before, note=note, payload=payload)


@transaction.atomic(durable=True)
def suspend(*, actor: User, number: str, version: int, reason: str, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "suspend")
    code = ReasonCode.objects.filter(group=ReasonCode.Group.SUSPEND, code=reason).first()
    if code is None:
        raise ValidationFailed(_("请选择中止原因"), field="reason",
                               allowed=list(ReasonCode.objects.filter(group="suspend").values_list("code", flat=True)))
    now = timezone.now()
    Suspension.objects.create(complaint=complaint, reason=code.code, note=note, started_at=now)
    complaint.status, complaint.suspended_at = Status.SUSPENDED, now
    return finish(complaint, actor=actor, action="suspend", before=before, note=note, payload={"reason": code.code})


@transaction.atomic(durable=True)
def resume(*, actor: User, number: str, version: int, note: str = "") -> Complaint:
    """Restart the clock: every running due date moves by the time spent suspended."""
    complaint, before = begin(actor, number, version, "resume")
    now = timezone.now()
    started = complaint.suspended_at or now
    for kind in (deadlines.HANDLING, deadlines.REPORT_BACK):
        rule = deadlines.policy().rule_for(complaint, kind)
        if rule:
            move_due(complaint, kind, deadlines.policy().paused_units(rule, started, now))
    complaint.suspensions.filter(ended_at__isnull=True).update(ended_at=now)
    complaint.status, complaint.suspended_at = Status.IN_PROGRESS, None
    return finish(complaint, actor=actor, action="resume", before=before, note=note,
                  payload={"handling_due": complaint.handling_due})


def _amount(value: object, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise ValidationFailed(_("金额格式不正确"), field=field) from None
    if amount < 0 or amount.as_tuple().exponent < -2:
        raise ValidationFailed(_("金额须为非负数,最多两位小数"), field=field)
    return amount


@transaction.atomic(durable=True)
def submit_result(*, actor: User, number: str, version: int, substantiated: str, findings: str,
                  solution: str, proposed_reply: str, compensation_type: str = "",
                  compensation_amount: object = None) -> Complaint:
    complaint, before = begin(actor, number, version, "submit_result")
    complaint.substantiated = choice(substantiated, Substantiated, "substantiated")
    complaint.findings = require(findings, "findings", _("请填写调查情况"))
    complaint.solution = require(solution, "solution", _("请填写处理意见"))
    complaint.proposed_reply = require(proposed_reply, "proposed_reply", _("请填写拟答复意见"))
    complaint.compensation_type = compensation_type.strip()
    complaint.compensation_amount = _amount(compensation_amount, "compensation_amount")
    complaint.status = Status.PENDING_APPROVAL
    return finish(complaint, actor=actor, action="submit_result", before=before, payload={
        "substantiated": complaint.substantiated, "compensation_type": complaint.compensation_type,
        "compensation_amount": complaint.compensation_amount})


@transaction.atomic(durable=True)
def approve(*, actor: User, number: str, version: int, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "approve")
    complaint.status = Status.APPROVED
    return finish(complaint, actor=actor, action="approve", before=before, note=note)


@transaction.atomic(durable=True)
def reject_result(*, actor: User, number: str, version: int, note: str) -> Complaint:
    complaint, before = begin(actor, number, version, "reject_result")
    complaint.status = Status.IN_PROGRESS
    return finish(complaint, actor=actor, action="reject_result", before=before,
                  note=require(note, "note", _("请填写退回意见")))
