"""Dispatch, sign for, return, escalate, urge, supervise (SPEC §5, §7)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.complaints import deadlines
from tousu.complaints.models import Complaint, DispatchMode, ReasonCode
from tousu.complaints.services.common import begin, choice, finish, require, set_due
from tousu.complaints.states import Status
from tousu.core.errors import ValidationFailed


def _active_unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(_("未知的单位: %(code)s") % {"code": code}, field=field)
    if not unit.active:
        raise ValidationFailed(_("单位“%(name)s”已停用,不能接收新件") % {"name": unit.name}, field=field)
    return unit


def check_recusal(complaint: Complaint, user: User, field: str) -> None:
    """The staff member complained about can never handle the complaint (回避, SPEC §7)."""
    if complaint.respondents.filter(staff=user).exists():
        raise ValidationFailed(_("%(user)s 是被投诉人,须回避,不能承办此件") % {"user": user}, field=field,
                               code="recusal_required")


@transaction.atomic(durable=True)
def dispatch(*, actor: User, number: str, version: int, unit: str, mode: str, redacted: bool = True,
             handler: str = "", co_units: list[str] | None = None, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "dispatch")
    mode = choice(mode, DispatchMode, "mode")
    target = _active_unit(require(unit, "unit", _("请选择承办单位")), "unit")
    co = [_active_unit(code, "co_units") for code in (co_units or []) if code != target.code]
    person = None
    if handler:
        person = User.objects.filter(username=handler, is_active=True).first()
        if person is None:
            raise ValidationFailed(_("未知的承办人: %(u)s") % {"u": handler}, field="handler")
        if person.unit_id != target.pk:
            raise ValidationFailed(_("承办人须属于承办单位"), field="handler")
        check_recusal(complaint, person, "handler")
    complaint.dispatch_mode, complaint.handling_unit, complaint.handler = mode, target, person
    complaint.redacted = bool(redacted)
    now = timezone.now()
    if mode == DispatchMode.DIRECT:
        complaint.status = Status.IN_PROGRESS
        complaint.sign_due = None
    else:
        complaint.status = Status.DISPATCHED
        set_due(complaint, deadlines.SIGN_FOR, now)
    set_due(complaint, deadlines.HANDLING, now)
    set_due(complaint, deadlines.REPORT_BACK, now)
    finish(complaint, actor=actor, action="dispatch", before=before, note=note, payload={
        "unit": target.code, "mode": mode, "redacted": bool(redacted), "handler": handler or None,
        "co_units": [u.code for u in co], "sign_due": complaint.sign_due,
        "handling_due": complaint.handling_due, "report_due": complaint.report_due})
    complaint.co_units.set(co)
    return complaint


@transaction.atomic(durable=True)
def sign(*, actor: User, number: str, version: int, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "sign")
    if complaint.handler_id is None and actor.role == "handler":
        check_recusal(complaint, actor, "handler")
        complaint.handler = actor
    complaint.status = Status.IN_PROGRESS
    return finish(complaint, actor=actor, action="sign", before=before, note=note,
                  payload={"handler": complaint.handler.username if complaint.handler else None})


@transaction.atomic(durable=True)
def return_(*, actor: User, number: str, version: int, reason: str, note: str = "") -> Complaint:
    """Send a dispatched complaint back to the centre with a reason code; returns are counted."""
    complaint, before = begin(actor, number, version, "return")
    code = ReasonCode.objects.filter(group=ReasonCode.Group.RETURN, code=reason).first()
    if code is None:
        raise ValidationFailed(_("请选择退回原因"), field="reason",
                               allowed=list(ReasonCode.objects.filter(group="return").values_list("code", flat=True)))
    unit = complaint.handling_unit
    complaint.status = Status.ACCEPTED
    complaint.returns_count += 1
    complaint.handling_unit = complaint.handler = None
    complaint.dispatch_mode = ""
    complaint.sign_due = complaint.report_due = None
    finish(complaint, actor=actor, action="return", before=before, note=note,
           payload={"reason": code.code, "unit": unit.code if unit else None,
                    "returns_count": complaint.returns_count})
    complaint.co_units.clear()
    return complaint


@transaction.atomic(durable=True)
def escalate(*, actor: User, number: str, version: int, reason: str) -> Complaint:
    complaint, before = begin(actor, number, version, "escalate")
    complaint.handling_level += 1
    parent = complaint.handling_unit.parent if complaint.handling_unit else None
    return finish(complaint, actor=actor, action="escalate", before=before,
                  note=require(reason, "reason", _("请填写上报原因")),
                  payload={"level": complaint.handling_level, "to_unit": parent.code if parent else None})


@transaction.atomic(durable=True)
def urge(*, actor: User, number: str, version: int, note: str) -> Complaint:
    complaint, before = begin(actor, number, version, "urge")
    complaint.urge_count += 1
    return finish(complaint, actor=actor, action="urge", before=before,
                  note=require(note, "note", _("请填写催办意见")),
                  payload={"unit": complaint.handling_unit.code if complaint.handling_unit else None,
                           "urge_count": complaint.urge_count})


@transaction.atomic(durable=True)
def supervise(*, actor: User, number: str, version: int, note: str,
              deadline: object = None) -> Complaint:
    complaint, before = begin(actor, number, version, "supervise")
    complaint.supervise_count += 1
    return finish(complaint, actor=actor, action="supervise", before=before,
                  note=require(note, "note", _("请填写督办意见")),
                  payload={"unit": complaint.handling_unit.code if complaint.handling_unit else None,
                           "deadline": deadline, "supervise_count": complaint.supervise_count})
