"""Dispatch, sign for, return, escalate, urge, supervise (SPEC §5, §7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tousu.accounts.models import Role, Unit, User
from tousu.complaints import dues
from tousu.complaints.access import recusal_reason
from tousu.complaints.inputs import (
    AssignHandler,
    DecideDispatch,
    Dispatch,
    GiveOpinion,
    LiftConflict,
    MarkConflict,
    Note,
    Reason,
    RequiredNote,
    Return,
    SubDispatch,
    Supervise,
)
from tousu.complaints.letters import chinese_date
from tousu.complaints.models import Complaint, Conflict, DispatchMode, DispatchPlan, Opinion, ReasonCode
from tousu.complaints.notify import notify_users, notify_work, recipients
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, choice, finish, in_calendar, require
from tousu.complaints.states import Status
from tousu.complaints.work import holders
from tousu.core.errors import InvalidTransition, NotPermitted, ValidationFailed


def _proposal(complaint: Complaint) -> dict | None:
    """What the routing rules proposed, for the record of the dispatch that confirms or overrides it."""
    from tousu.complaints.routing import propose

    p = propose(complaint)
    return {"unit": p.unit.code, "mode": p.mode, "rule": p.rule, "rule_id": p.rule_id} if p else None


def handling_unit(complaint: Complaint) -> Unit:
    """The unit handling ``complaint``: every state these actions start from has one."""
    if complaint.handling_unit is None:
        raise InvalidTransition(number=complaint.number)
    return complaint.handling_unit


def _active_unit(code: str, field: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(_("未知的单位：%(code)s") % {"code": code}, field=field)
    if not unit.active:
        raise ValidationFailed(_("单位「%(name)s」已停用，不能接收新件") % {"name": unit.name}, field=field)
    return unit


def check_recusal(complaint: Complaint, user: User, field: str) -> None:
    """The staff member complained about, and anyone marked in conflict, can never handle the
    complaint (回避, SPEC §7)."""
    reason = recusal_reason(complaint, user)
    if reason:
        raise ValidationFailed(reason + _("，不能承办此件"), field=field, code="recusal_required")


def _handler_in(complaint: Complaint, username: str, unit: Unit, field: str = "handler") -> User:
    """An active handler or head of ``unit`` who is not in conflict with the complaint."""
    person = User.objects.filter(username=username, is_active=True).first()
    if person is None:
        raise ValidationFailed(_("未知的承办人：%(u)s") % {"u": username}, field=field)
    if person.unit_id != unit.pk:
        raise ValidationFailed(_("承办人须属于承办单位“%(unit)s”") % {"unit": unit.name}, field=field)
    if person.role not in {Role.HANDLER, Role.HEAD}:
        raise ValidationFailed(_("%(user)s 不是承办人员") % {"user": person}, field=field)
    check_recusal(complaint, person, field)
    return person


@dataclass(frozen=True)
class _Target:
    mode: str
    unit: Unit
    co_units: list[Unit]
    handler: User | None


def _target(complaint: Complaint, unit: str, mode: str, handler: str, co_units: list[str] | None) -> _Target:
    """Check a dispatch's arguments: an active unit (the centre itself for a direct case),
    active co-units, and a handler of the unit who need not recuse."""
    mode = choice(mode, DispatchMode, "mode")
    target = _active_unit(require(unit, "unit", _("请选择承办单位")), "unit")
    co = [_active_unit(code, "co_units") for code in dict.fromkeys(co_units or []) if code != target.code]
    if mode == DispatchMode.DIRECT and not target.is_center:
        raise ValidationFailed(_("直办件由投诉中心自行办理，承办单位须是投诉中心"), field="unit")
    person = _handler_in(complaint, handler, target) if handler else None
    return _Target(mode, target, co, person)


@transaction.atomic(durable=True)
def dispatch(*, actor: User, number: str, data: Dispatch) -> Complaint:
    """Hand the case to a unit (交办/转办) or keep it at the centre (直办), with sign-for, handling,
    report-back and co-unit opinion dues from the policy; the unit is notified."""
    complaint, before = begin(actor, number, "dispatch", data)
    t = _target(complaint, data.unit, data.mode, data.handler, data.co_units)
    payload = _apply_dispatch(complaint, t, data.redacted)
    finish(complaint, actor=actor, action="dispatch", before=before, note=data.note, payload=payload)
    return complaint


def _apply_dispatch(complaint: Complaint, t: _Target, redacted: bool) -> dict[str, Any]:
    """Set the complaint's unit, mode, handler, co-units and dues for a dispatch; the record of it
    (for the event) is returned. Co-units are written here, before the event seals the state."""
    proposal = _proposal(complaint)
    complaint.dispatch_mode, complaint.handling_unit, complaint.handler = t.mode, t.unit, t.handler
    complaint.dispatched_unit, complaint.returned_from = t.unit, None
    # Some presets redact every dispatch to a unit, whatever the dispatcher chose (SPEC §7).
    complaint.redacted = bool(redacted) or (t.mode != DispatchMode.DIRECT and active().always_redact)
    now = timezone.now()
    if t.mode == DispatchMode.DIRECT:
        complaint.status = Status.IN_PROGRESS
        complaint.sign_due = None
    else:
        complaint.status = Status.DISPATCHED
        dues.set_due(complaint, dues.SIGN_FOR, now)
    dues.set_due(complaint, dues.HANDLING, now)
    dues.set_due(complaint, dues.REPORT_BACK, now)
    complaint.opinion_due = None
    if t.co_units:
        dues.set_due(complaint, dues.CO_OPINION, now)
    followed = proposal is not None and (proposal["unit"], proposal["mode"]) == (t.unit.code, t.mode)
    complaint.co_units.set(t.co_units)
    return {
        "unit": t.unit.code,
        "mode": t.mode,
        "redacted": bool(redacted),
        "handler": t.handler.username if t.handler else None,
        "co_units": [u.code for u in t.co_units],
        "sign_due": complaint.sign_due,
        "handling_due": complaint.handling_due,
        "report_due": complaint.report_due,
        "opinion_due": complaint.opinion_due,
        "rule": proposal["rule"] if proposal else None,
        "proposal": proposal,
        "followed": followed,
    }


# -- the pre-dispatch approval chain (seed 004 art. 42) ---------------------------------------------
def _chain_approvers(actor: User) -> list[dict]:
    """The chain's steps with their approvers: the heads of the centre and of the units above it."""
    from tousu.complaints.guards import approval_chain

    centre = (
        actor.unit
        if actor.unit is not None and actor.unit.is_center
        else Unit.objects.filter(is_center=True, active=True).order_by("path").first()
    )
    if centre is None:
        raise ValidationFailed(_("没有投诉中心单位，无法确定审批人"), field="unit")
    ids = centre.lineage_ids()[::-1]  # the centre first, then the units above it
    found = Unit.objects.select_related("head").in_bulk(ids)
    lineage = [found[i] for i in ids]
    steps = []
    for step in approval_chain():
        up = int(step.get("up", 0))
        unit = lineage[up] if up < len(lineage) else None
        if unit is None or unit.head is None or not unit.head.is_active:
            raise ValidationFailed(
                _("「%(label)s」的审批人未设置：请在单位管理中设置%(unit)s的负责人")
                % {"label": step["label"], "unit": unit.name if unit else _("上级单位")},
                field="unit",
            )
        steps.append(
            {
                "label": step["label"],
                "up": up,
                "approver": unit.head.username,
                "approver_name": str(unit.head),
                "approved": None,
                "note": "",
                "at": None,
            }
        )
    return steps


@transaction.atomic(durable=True)
def propose_dispatch(*, actor: User, number: str, data: Dispatch) -> Complaint:
    """Propose the dispatch (承办人员提出初步处理意见) for the approval chain to sign."""
    complaint, before = begin(actor, number, "propose_dispatch", data)
    t = _target(complaint, data.unit, data.mode, data.handler, data.co_units)
    steps = _chain_approvers(actor)
    plan = {
        "unit": t.unit.code,
        "mode": t.mode,
        "redacted": data.redacted,
        "handler": t.handler.username if t.handler else "",
        "co_units": [u.code for u in t.co_units],
        "note": data.note,
    }
    made = DispatchPlan.objects.create(
        complaint=complaint, proposed_by=actor, proposed_at=timezone.now(), plan=plan, steps=steps
    )
    finish(
        complaint,
        actor=actor,
        action="propose_dispatch",
        before=before,
        note=data.note,
        payload={"plan": made.pk, **plan, "approvers": [s["approver"] for s in steps]},
    )
    return complaint


@transaction.atomic(durable=True)
def decide_dispatch(*, actor: User, number: str, data: DecideDispatch) -> Complaint:
    """The current step's approver signs or refuses; the last approval dispatches as proposed, in
    the same event (one step of the record, one version)."""
    complaint, before = begin(actor, number, "decide_dispatch", data)
    plan = complaint.dispatch_plans.filter(state=DispatchPlan.State.PENDING).first()
    step = plan.current_step if plan is not None else None
    if plan is None or step is None:  # the action's guard (guards.step_approver) found both
        raise InvalidTransition(_("没有待审批的分办意见"), number=complaint.number)
    note = data.note.strip()
    if not data.approved and not note:
        raise ValidationFailed(_("不同意时请说明理由"), field="note")
    step.update(approved=data.approved, note=note, at=timezone.now().isoformat())
    following = plan.current_step
    last = following is None
    if not data.approved:
        plan.state = DispatchPlan.State.REJECTED
    elif last:
        plan.state = DispatchPlan.State.APPROVED
    plan.save(update_fields=["steps", "state"])
    payload: dict[str, Any] = {"plan": plan.pk, "step": step["label"], "approved": data.approved, "state": plan.state}
    if data.approved and last:
        p = plan.plan
        t = _target(complaint, p["unit"], p["mode"], p["handler"], p["co_units"])
        payload["dispatch"] = _apply_dispatch(complaint, t, p["redacted"])
    finish(complaint, actor=actor, action="decide_dispatch", before=before, note=note, payload=payload)
    # The next approver, or the unit it now goes to, is told by the hand-off notice (notify.handoff).
    if not data.approved:
        notify_users(
            complaint,
            [plan.proposed_by],
            gettext_noop("%(number)s 的分办意见未获批准：%(note)s"),
            {"number": complaint.number, "note": note},
        )
    return complaint


@transaction.atomic(durable=True)
def sign(*, actor: User, number: str, data: Note) -> Complaint:
    complaint, before = begin(actor, number, "sign", data)
    if complaint.handler_id is None and actor.role == Role.HANDLER:
        complaint.handler = actor  # begin() refused anyone who must recuse
    complaint.status = Status.IN_PROGRESS
    return finish(
        complaint,
        actor=actor,
        action="sign",
        before=before,
        note=data.note,
        payload={"handler": complaint.handler.username if complaint.handler else None},
    )


@transaction.atomic(durable=True)
def return_(*, actor: User, number: str, data: Return) -> Complaint:
    """Send a dispatched complaint back with a reason code: a sub-dispatched case to the unit that
    sub-dispatched it, any other to the centre, which re-dispatches it or refuses the return.
    Returns are counted (a 推诿扯皮 indicator) and each return event names the unit."""
    complaint, before = begin(actor, number, "return", data)
    code = ReasonCode.objects.in_force().filter(group=ReasonCode.Group.RETURN, code=data.reason).first()
    if code is None:
        raise ValidationFailed(
            _("请选择退回原因"),
            field="reason",
            allowed=list(ReasonCode.objects.in_force().filter(group="return").values_list("code", flat=True)),
        )
    unit, parent, mode = complaint.handling_unit, complaint.dispatched_unit, complaint.dispatch_mode
    complaint.returns_count += 1
    complaint.handler = None
    complaint.sign_due = None
    if parent is not None and unit is not None and parent.pk != unit.pk:
        complaint.handling_unit, complaint.status, to = parent, Status.IN_PROGRESS, parent.code
    else:
        complaint.status, to = Status.ACCEPTED, None
        complaint.returned_from, complaint.handling_unit, complaint.dispatch_mode = unit, None, ""
        complaint.report_due = None
    return finish(
        complaint,
        actor=actor,
        action="return",
        before=before,
        note=data.note,
        payload={
            "reason": code.code,
            "unit": unit.code if unit else None,
            "to_unit": to,
            "mode": mode or None,
            "returns_count": complaint.returns_count,
        },
    )


@transaction.atomic(durable=True)
def refuse_return(*, actor: User, number: str, data: RequiredNote) -> Complaint:
    """The centre finds a return unjustified and sends the case back, on record, to the unit that
    returned it, in the mode it had; sign-for starts again."""
    complaint, before = begin(actor, number, "refuse_return", data)
    note = require(data.note, "note", _("请说明不同意退回的理由"))
    last = complaint.events.filter(action="return").order_by("-seq").first()
    unit = complaint.returned_from
    if unit is None:  # the action's guard (guards.returned) found it
        raise InvalidTransition(_("此件不是被承办单位退回的"), number=complaint.number)
    if not unit.active:
        raise ValidationFailed(_("单位「%(name)s」已停用，请重新分办") % {"name": unit.name}, field="unit")
    complaint.handling_unit = complaint.dispatched_unit = unit
    complaint.dispatch_mode = (last.payload.get("mode") if last else None) or DispatchMode.ASSIGN
    complaint.returned_from = None
    complaint.status = Status.DISPATCHED
    dues.set_due(complaint, dues.SIGN_FOR)
    finish(
        complaint,
        actor=actor,
        action="refuse_return",
        before=before,
        note=note,
        payload={"unit": unit.code, "mode": complaint.dispatch_mode, "sign_due": complaint.sign_due},
    )
    return complaint


@transaction.atomic(durable=True)
def assign_handler(*, actor: User, number: str, data: AssignHandler) -> Complaint:
    """The unit head (or the centre) names the handler; never someone who must recuse."""
    complaint, before = begin(actor, number, "assign_handler", data)
    person = _handler_in(complaint, require(data.handler, "handler", _("请选择承办人")), handling_unit(complaint))
    previous = complaint.handler.username if complaint.handler else None
    complaint.handler = person
    finish(
        complaint,
        actor=actor,
        action="assign_handler",
        before=before,
        note=data.note,
        payload={"handler": person.username, "previous": previous},
    )
    return complaint


@transaction.atomic(durable=True)
def sub_dispatch(*, actor: User, number: str, data: SubDispatch) -> Complaint:
    """A unit hands the case down to one of its own sections or branches, which signs for it
    again; the unit's own deadlines stay. A transfer (转办) recipient handles it itself."""
    complaint, before = begin(actor, number, "sub_dispatch", data)
    current = handling_unit(complaint)
    target = _active_unit(require(data.unit, "unit", _("请选择下级单位")), "unit")
    if target.pk == current.pk or not target.path.startswith(current.path):
        raise ValidationFailed(_("只能下转到本单位的下级科室或分支机构"), field="unit")
    person = _handler_in(complaint, data.handler, target) if data.handler else None
    complaint.dispatched_unit = complaint.dispatched_unit or current
    complaint.handling_unit, complaint.handler = target, person
    complaint.status = Status.DISPATCHED
    dues.set_due(complaint, dues.SIGN_FOR)
    finish(
        complaint,
        actor=actor,
        action="sub_dispatch",
        before=before,
        note=data.note,
        payload={
            "from_unit": current.code,
            "unit": target.code,
            "handler": data.handler or None,
            "sign_due": complaint.sign_due,
        },
    )
    return complaint


@transaction.atomic(durable=True)
def give_opinion(*, actor: User, number: str, data: GiveOpinion) -> Complaint:
    """A co-unit's opinion to the lead unit (联办); the lead submits its result once all are in."""
    complaint, before = begin(actor, number, "give_opinion", data)
    text = require(data.text, "text", _("请填写协办意见"))
    unit = actor.unit
    if unit is None:  # begin() let only the staff of a co-unit through
        raise NotPermitted(number=complaint.number)
    Opinion.objects.create(complaint=complaint, unit=unit, author=actor, text=text, given_at=timezone.now())
    return finish(complaint, actor=actor, action="give_opinion", before=before, note=text, payload={"unit": unit.code})


def _staff(username: str, field: str = "user") -> User:
    person = User.objects.filter(username=require(username, field, _("请选择人员"))).first()
    if person is None:
        raise ValidationFailed(_("未知的人员：%(u)s") % {"u": username}, field=field)
    return person


@transaction.atomic(durable=True)
def mark_conflict(*, actor: User, number: str, data: MarkConflict) -> Complaint:
    """The centre (or the panel) marks a staff member as in conflict with the case (回避): never
    its handler, approver or follow-up agent, and shown only the redacted view. A marked handler
    is taken off the case."""
    complaint, before = begin(actor, number, "mark_conflict", data)
    person = _staff(data.user)
    reason = require(data.reason, "reason", _("请填写回避理由"))
    if Conflict.objects.filter(complaint=complaint, user=person, lifted_at__isnull=True).exists():
        raise ValidationFailed(_("%(user)s 已被标记为须回避") % {"user": person}, field="user")
    Conflict.objects.create(complaint=complaint, user=person, reason=reason, marked_by=actor, marked_at=timezone.now())
    removed = complaint.handler_id == person.pk
    if removed:
        complaint.handler = None
    return finish(
        complaint,
        actor=actor,
        action="mark_conflict",
        before=before,
        note=reason,
        payload={"user": person.username, "removed_as_handler": removed},
    )


@transaction.atomic(durable=True)
def lift_conflict(*, actor: User, number: str, data: LiftConflict) -> Complaint:
    """Lift a recusal on record: the mark stays in the history with who lifted it, when and why."""
    complaint, before = begin(actor, number, "lift_conflict", data)
    person = _staff(data.user)
    reason = require(data.reason, "reason", _("请填写解除回避的理由"))
    mark = Conflict.objects.filter(complaint=complaint, user=person, lifted_at__isnull=True).first()
    if mark is None:
        raise ValidationFailed(_("%(user)s 没有被标记为须回避") % {"user": person}, field="user")
    mark.lifted_by, mark.lifted_at, mark.lift_reason = actor, timezone.now(), reason
    mark.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    return finish(
        complaint,
        actor=actor,
        action="lift_conflict",
        before=before,
        note=reason,
        payload={"user": person.username, "marked_at": mark.marked_at},
    )


@transaction.atomic(durable=True)
def escalate(*, actor: User, number: str, data: Reason) -> Complaint:
    """Report a case beyond the unit's authority up (上报): the handling level rises and the parent
    unit (the centre, for a centre case) takes it over; its heads and the centre are notified."""
    complaint, before = begin(actor, number, "escalate", data)
    reason = require(data.reason, "reason", _("请填写上报原因"))
    complaint.handling_level += 1
    unit = complaint.handling_unit
    parent = unit.parent if unit is not None and unit.parent_id and not unit.is_center else None
    if parent is not None:
        complaint.handling_unit, complaint.handler = parent, None
    finish(
        complaint,
        actor=actor,
        action="escalate",
        before=before,
        note=reason,
        payload={
            "level": complaint.handling_level,
            "from_unit": unit.code if unit else None,
            "to_unit": parent.code if parent else None,
        },
    )
    notify_work(
        complaint,
        gettext_noop("%(number)s 已上报（%(reason)s）：%(summary)s"),
        {"number": complaint.number, "reason": reason, "summary": complaint.summary},
        centre=True,
    )
    return complaint


@transaction.atomic(durable=True)
def urge(*, actor: User, number: str, data: RequiredNote) -> Complaint:
    complaint, before = begin(actor, number, "urge", data)
    complaint.urge_count += 1
    note = require(data.note, "note", _("请填写催办意见"))
    finish(
        complaint,
        actor=actor,
        action="urge",
        before=before,
        note=note,
        payload={
            "unit": complaint.handling_unit.code if complaint.handling_unit else None,
            "urge_count": complaint.urge_count,
        },
    )
    _tell_holders(complaint, actor, gettext_noop("%(number)s「%(summary)s」被催办：%(note)s"), {"note": note})
    return complaint


@transaction.atomic(durable=True)
def supervise(*, actor: User, number: str, data: Supervise) -> Complaint:
    """List the case for supervision (督办), with a date by which the unit must report, if any."""
    complaint, before = begin(actor, number, "supervise", data)
    if data.deadline is not None and in_calendar(data.deadline, "deadline") < timezone.localdate():
        raise ValidationFailed(_("督办期限不能早于今天"), field="deadline")
    complaint.supervise_count += 1
    note = require(data.note, "note", _("请填写督办意见"))
    finish(
        complaint,
        actor=actor,
        action="supervise",
        before=before,
        note=note,
        payload={
            "unit": complaint.handling_unit.code if complaint.handling_unit else None,
            "deadline": data.deadline,
            "supervise_count": complaint.supervise_count,
        },
    )
    if data.deadline is None:
        _tell_holders(complaint, actor, gettext_noop("%(number)s「%(summary)s」被列入督办：%(note)s"), {"note": note})
    else:
        _tell_holders(
            complaint,
            actor,
            gettext_noop("%(number)s「%(summary)s」被列入督办：%(note)s（督办期限%(day)s）"),
            {"note": note, "day": chinese_date(data.deadline)},
        )
    return complaint


def _tell_holders(complaint: Complaint, actor: User, template: str, params: dict[str, object]) -> None:
    """Tell those whose turn the case is (complaints/work.py), or with none the handling unit, that
    the centre has urged or supervised it."""
    people = [u for u in holders(complaint) if u != actor] or recipients(complaint, centre=False)
    notify_users(complaint, people, template, {"number": complaint.number, "summary": complaint.summary, **params})


def tell_supervision(complaint: Complaint, actor: User, times: int) -> None:
    """A complainant still unsatisfied after the case was handled again: the case is back with its
    unit under supervision (督办), and the unit and the centre's supervisors are told (seed 001-30:
    「对客户不满意的投诉……重新评估解决方案」, unresolved → escalate)."""
    notify_users(
        complaint,
        [u for u in recipients(complaint, centre=True) if u != actor],
        gettext_noop("%(number)s「%(summary)s」第%(times)s次回访仍不满意，已列入督办，请重新办理"),
        {"number": complaint.number, "summary": complaint.summary, "times": times},
    )
