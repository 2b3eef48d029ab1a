"""Writes of the solution: its lines, recorded with the result (``record``, inside
``handling.submit_result``'s transaction), and the sign-offs the preset's rules require
(``decide``: the ``sign_solution`` and ``refuse_solution`` rows of the action table).

A result whose solution needs sign-offs stays PENDING_APPROVAL until each is given, in order:
the ``approve`` guard names whose signature is due (``selectors.missing_signoff``). A refusal
sends the result back to the handler (IN_PROGRESS) with the reason. The signers are resolved when
the result is submitted, as the pre-dispatch chain resolves its approvers when it is proposed
(``dispatching._chain_approvers``): the head of a unit the preset names, or anyone in a role.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import Field

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.inputs import ActionIn, SolutionLineIn, SubmitResult
from tousu.complaints.models import Complaint, DispatchMode
from tousu.complaints.states import Status
from tousu.core.errors import InvalidTransition, ValidationFailed
from tousu.presets.base import ApprovalRule
from tousu.solution.models import Kind, Solution, SolutionLine

SIGN, REFUSE = "sign_solution", "refuse_solution"
MAX_INTEGER_DIGITS = 12  # the amount columns hold 14 digits, 2 of them decimals


class SignOff(ActionIn):
    approved: bool = Field(title="是否同意")
    note: str = Field("", title="签批意见", max_length=2000)


# -- lines ------------------------------------------------------------------------------------------
def _kind(value: str, position: int) -> str:
    text = (value or "").strip()
    for k in Kind:
        if text in (k.value, str(k.label)) or (k is Kind.GOODWILL and text in ("慰问", "补偿")):
            return k.value
    raise ValidationFailed(
        _("第%(n)d项：未知的方案类型「%(kind)s」，可选：%(allowed)s")
        % {"n": position, "kind": text, "allowed": "、".join(f"{k.value}（{k.label}）" for k in Kind)},
        field="lines",
        position=position,
        allowed=list(Kind.values),
    )


def money(value: Any, position: int, field: str = "lines") -> Decimal:
    """An amount in 元 as typed: non-negative, at most two decimals and 12 integer digits; refused
    on ``field`` (naming line ``position`` where it is one of the solution's lines)."""
    where = _("第%(n)d项：") % {"n": position} if position else ""
    if isinstance(value, bool):
        raise ValidationFailed(where + _("金额须为数字"), field=field, position=position)
    text = str(value).strip() if value is not None else ""
    try:
        amount = Decimal(text or "0")
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            where + _("金额格式不正确：「%(v)s」") % {"v": text}, field=field, position=position
        ) from None
    if not amount.is_finite():
        raise ValidationFailed(where + _("金额格式不正确：「%(v)s」") % {"v": text}, field=field, position=position)
    if amount < 0:
        raise ValidationFailed(where + _("金额不能为负数"), field=field, position=position)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(where + _("金额最多两位小数"), field=field, position=position)
    if amount >= Decimal(10) ** MAX_INTEGER_DIGITS:
        raise ValidationFailed(
            where + _("金额过大：整数部分不超过%(n)d位") % {"n": MAX_INTEGER_DIGITS}, field=field, position=position
        )
    return amount.quantize(Decimal("0.01"))


def clean_lines(data: SubmitResult) -> list[dict[str, Any]]:
    """The result's lines, checked; the older pair of fields (compensation type and amount) makes
    one line where no lines are given (an unknown type is kept as the note of a 赔偿 line)."""
    lines: list[SolutionLineIn] = list(data.lines)
    if not lines and (data.compensation_type.strip() or data.compensation_amount.strip()):
        text = data.compensation_type.strip()
        try:
            kind = _kind(text, 1) if text else Kind.COMPENSATION.value
            note = ""
        except ValidationFailed:
            kind, note = Kind.COMPENSATION.value, text
        return [{"kind": kind, "amount": money(data.compensation_amount, 0, "compensation_amount"), "note": note}]
    cleaned = []
    for n, line in enumerate(lines, 1):
        kind = _kind(line.kind, n)
        amount = money(line.amount, n)
        if kind == Kind.APOLOGY and amount:
            raise ValidationFailed(_("第%(n)d项：道歉不填金额") % {"n": n}, field="lines", position=n)
        cleaned.append({"kind": kind, "amount": amount, "note": " ".join(line.note.split())})
    return cleaned


# -- who signs --------------------------------------------------------------------------------------
def _centre() -> Unit | None:
    return Unit.objects.filter(is_center=True, active=True).order_by("path").first()


def _base_unit(head_of: str, complaint: Complaint) -> Unit | None:
    centre = _centre()
    if head_of == "centre":
        return centre
    if head_of == "unit":
        return complaint.handling_unit
    if head_of == "approver":
        return complaint.handling_unit if complaint.dispatch_mode == DispatchMode.TRANSFER else centre
    # "top": the organisation's top unit, above the centre
    if centre is None:
        return None
    return Unit.objects.filter(pk=centre.lineage_ids()[0]).first()


def _resolve(rule: ApprovalRule, complaint: Complaint) -> dict[str, Any]:
    step = rule.step
    entry: dict[str, Any] = {
        "label": step.label,
        "rule": rule.label,
        "head_of": step.head_of,
        "up": step.up,
        "role": step.role,
        "signer": None,
        "signer_name": "",
        "approved": None,
        "by": None,
        "by_name": "",
        "note": "",
        "at": None,
    }
    if step.role is not None:
        if step.role not in Role.values or not User.objects.filter(role=step.role, is_active=True).exists():
            raise ValidationFailed(
                _("「%(label)s」的签批人未设置：没有角色为「%(role)s」的在职用户")
                % {"label": step.label, "role": step.role},
                field="lines",
            )
        return entry
    base = _base_unit(step.head_of or "", complaint)
    unit = base
    if base is not None and step.up:
        ids = base.lineage_ids()[::-1]
        unit = Unit.objects.filter(pk=ids[step.up]).first() if step.up < len(ids) else None
    head = unit.head if unit is not None else None
    if head is None or not head.is_active:
        raise ValidationFailed(
            _("「%(label)s」的签批人未设置：请在单位管理中设置%(unit)s的负责人")
            % {"label": step.label, "unit": unit.name if unit else _("上级单位")},
            field="lines",
        )
    entry.update(signer=head.username, signer_name=str(head))
    return entry


def required_steps(complaint: Complaint, total: Decimal) -> list[dict[str, Any]]:
    """The sign-offs the preset's rules require for a solution of ``total`` on ``complaint``, in the
    rules' order; one person's signature once."""
    from tousu.complaints.preset import active

    grade = complaint.grade.code if complaint.grade_id and complaint.grade else None
    steps: list[dict[str, Any]] = []
    for rule in active().approvals:
        when = rule.when
        if when.grade and grade not in when.grade:
            continue
        if when.amount_over is not None and not total > when.amount_over:
            continue
        if not when.grade and when.amount_over is None:
            pass  # no condition: every result
        entry = _resolve(rule, complaint)
        key = (entry["signer"], entry["role"])
        if any((s["signer"], s["role"]) == key for s in steps):
            continue
        steps.append(entry)
    return steps


def _set_due(solution: Solution) -> None:
    step = solution.current_step
    if step is None:
        solution.due_user, solution.due_role = None, ""
        return
    solution.due_user = User.objects.filter(username=step["signer"]).first() if step["signer"] else None
    solution.due_role = "" if step["signer"] else (step["role"] or "")


def record(complaint: Complaint, *, actor: User, data: SubmitResult) -> dict[str, Any]:
    """Store the result's solution and the sign-offs it needs (inside ``submit_result``); sets the
    complaint's compensation summary. Returns what the result's event records of it."""
    lines = clean_lines(data)
    total = sum((x["amount"] for x in lines), Decimal(0))
    steps = required_steps(complaint, total)
    solution = Solution.objects.create(
        complaint=complaint,
        submitted_by=actor,
        submitted_at=timezone.now(),
        total=total,
        steps=steps,
        state=Solution.State.PENDING if steps else Solution.State.NONE,
    )
    _set_due(solution)
    solution.save(update_fields=["due_user", "due_role"])
    SolutionLine.objects.bulk_create(
        SolutionLine(solution=solution, position=n, kind=x["kind"], amount=x["amount"], note=x["note"])
        for n, x in enumerate(lines, 1)
    )
    labels = [str(Kind(x["kind"]).label) for x in lines]
    summary = "、".join(dict.fromkeys(labels))
    complaint.compensation_type = summary if len(summary) <= 20 else summary[:19] + "等"
    complaint.compensation_amount = total if lines else None
    return {
        "lines": [{"kind": x["kind"], "amount": str(x["amount"]), "note": x["note"]} for x in lines],
        "total": str(total),
        "signoffs": [{"label": s["label"], "signer": s["signer"], "role": s["role"]} for s in steps],
    }


def withdraw(complaint: Complaint) -> None:
    """The result was sent back (``reject_result``): its solution's sign-offs are no longer due."""
    Solution.objects.filter(complaint=complaint, state=Solution.State.PENDING).update(
        state=Solution.State.WITHDRAWN, due_user=None, due_role=""
    )


# -- the sign-offs ----------------------------------------------------------------------------------
@transaction.atomic(durable=True)
def decide(*, actor: User, number: str, data: SignOff) -> Complaint:
    """The due signer signs (``sign_solution``) or refuses (``refuse_solution``: the result goes
    back to the handler with the reason). Each is an event on the complaint's record."""
    from tousu.complaints.notify import notify_users
    from tousu.complaints.services.common import begin, finish

    if not isinstance(data.approved, bool):
        raise ValidationFailed(_("请选择是否同意"), field="approved")
    action = SIGN if data.approved else REFUSE
    note = " ".join(data.note.split())
    if not data.approved and not note:
        raise ValidationFailed(_("不同意时请填写理由"), field="note")
    complaint, before = begin(actor, number, action, data)
    solution = Solution.objects.select_for_update().filter(complaint=complaint).order_by("-id").first()
    step = solution.current_step if solution is not None else None
    if solution is None or step is None:  # the row's guard found both
        raise InvalidTransition(_("没有待签批的处理方案"), number=complaint.number)
    step.update(approved=data.approved, by=actor.username, by_name=str(actor), note=note, at=timezone.now().isoformat())
    if not data.approved:
        solution.state = Solution.State.REFUSED
        complaint.status = Status.IN_PROGRESS
    elif solution.current_step is None:
        solution.state = Solution.State.SIGNED
    _set_due(solution)
    solution.save(update_fields=["steps", "state", "due_user", "due_role"])
    payload = {"solution": solution.pk, "step": step["label"], "total": str(solution.total), "state": solution.state}
    finish(complaint, actor=actor, action=action, before=before, note=note, payload=payload)
    if not data.approved:
        notify_users(
            complaint,
            [solution.submitted_by],
            gettext_noop("%(number)s 的处理方案未获签批，已退回重新办理：%(note)s"),
            {"number": complaint.number, "note": note},
        )
    return complaint
