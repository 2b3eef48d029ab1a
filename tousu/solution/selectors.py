"""Reads of a complaint's solution: the lines and sign-offs for the detail, whose signature is due,
and the filters behind the work queue (``tousu.complaints.work``) and the approve guard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, User
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.solution.models import Solution

PENDING = Solution.State.PENDING


def current(c: Complaint) -> Solution | None:
    """The solution of the latest result, or None (no result yet, or one from before solutions)."""
    return Solution.objects.filter(complaint=c).order_by("-id").first()


def pending(c: Complaint) -> Solution | None:
    """The solution whose sign-offs are still being given, while the result awaits approval."""
    if c.status != Status.PENDING_APPROVAL:
        return None
    s = current(c)
    return s if s is not None and s.state == PENDING else None


def signer_text(step: dict[str, Any]) -> str:
    """Who signs a step, as a sentence names them: 马卫东（审批单位负责人签批）."""
    who = step["signer_name"] if step.get("signer") else _("%(role)s（任一）") % {"role": _role_label(step["role"])}
    return f"{who}（{step['label']}）"


def _role_label(role: str | None) -> str:
    from tousu.complaints.preset import active

    labels = active().labels.roles
    if role and role in labels:
        return labels[role]
    return str(Role(role).label) if role in Role.values else str(role)


def may_sign(actor: User, step: dict[str, Any]) -> bool:
    if step.get("signer"):
        return bool(step["signer"] == actor.username)
    return bool(step.get("role") and actor.role == step["role"])


def signer_refusal(actor: User, c: Complaint) -> str | None:
    """The guard of sign_solution / refuse_solution: None where ``actor``'s signature is due."""
    s = pending(c)
    step = s.current_step if s is not None else None
    if step is None:
        return _("没有待签批的处理方案")
    if not may_sign(actor, step):
        return _("当前应由%(who)s签批") % {"who": signer_text(step)}
    return None


def missing_signoff(c: Complaint) -> str | None:
    """Why the result may not be approved yet: the sign-off due, named; None when none is."""
    s = pending(c)
    step = s.current_step if s is not None else None
    if s is None or step is None:
        return None
    return _("处理方案（合计%(total)s元）须先经%(who)s签批，方可审核通过") % {
        "total": s.total,
        "who": signer_text(step),
    }


def is_due_signer(actor: User, c: Complaint) -> bool:
    s = pending(c)
    step = s.current_step if s is not None else None
    return step is not None and may_sign(actor, step)


def pending_q() -> Q:
    """The complaints whose solution awaits a sign-off, as a filter."""
    return Q(id__in=Solution.objects.filter(state=PENDING).values("complaint_id"))


def due_q(actor: User) -> Q:
    """The complaints on which ``actor``'s signature is due now, as a filter."""
    due = Solution.objects.filter(state=PENDING).filter(
        Q(due_user=actor) | Q(due_user__isnull=True, due_role=actor.role) & ~Q(due_role="")
    )
    return Q(status=Status.PENDING_APPROVAL, id__in=due.values("complaint_id"))


def due_signers(c: Complaint) -> list[User]:
    """The people whose signature is due on ``c`` (for the hand-off notice)."""
    s = pending(c)
    if s is None:
        return []
    if s.due_user_id:
        return list(User.objects.filter(pk=s.due_user_id, is_active=True).select_related("unit"))
    if s.due_role:
        return list(User.objects.filter(role=s.due_role, is_active=True).select_related("unit"))
    return []


def solution_of(c: Complaint) -> dict[str, Any] | None:
    """The latest solution for the complaint detail: lines, total, state and sign-offs."""
    s = current(c)
    if s is None:
        return None
    step = s.current_step
    return {
        "total": s.total,
        "state": s.state,
        "state_label": s.get_state_display(),
        "lines": [
            {"kind": x.kind, "kind_label": x.get_kind_display(), "amount": x.amount, "note": x.note}
            for x in s.lines.all()
        ],
        "signoffs": [
            {
                "label": st["label"],
                "rule": st["rule"],
                "signer": st.get("signer"),
                "signer_text": signer_text(st),
                "approved": st["approved"],
                "by": st.get("by"),
                "by_name": st.get("by_name", ""),
                "note": st.get("note", ""),
                "at": st.get("at"),
            }
            for st in s.steps
        ],
        "due": signer_text(step) if step is not None and c.status == Status.PENDING_APPROVAL else None,
    }


def total_of(amounts: list[Decimal]) -> Decimal:
    return sum(amounts, Decimal(0))
