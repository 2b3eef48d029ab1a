"""Guards: conditions an action needs beyond its states and roles (the action table names each
action's guard). Each returns None when the action may go ahead, or the reason why not."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.models import CONVERTIBLE_KINDS, Complaint, DispatchMode, DispatchPlan
from tousu.core.errors import Conflict, NotPermitted


def approver(actor: User, c: Complaint) -> str | None:
    if actor.role == Role.HEAD and c.dispatch_mode != DispatchMode.TRANSFER:
        return _("直办、交办件的办理结果由投诉中心审核")
    return None


def approver_signed(actor: User, c: Complaint) -> str | None:
    """The approver, once every sign-off the solution needs is given (tousu.solution)."""
    from tousu.solution.selectors import missing_signoff

    return approver(actor, c) or missing_signoff(c)


def solution_signer(actor: User, c: Complaint) -> str | None:
    """The one whose signature on the solution is due now (tousu.solution)."""
    from tousu.solution.selectors import signer_refusal

    return signer_refusal(actor, c)


def convertible(actor: User, c: Complaint) -> str | None:
    if c.kind not in CONVERTIBLE_KINDS:
        return _("只有查询、咨询和障碍申告可以转为投诉")
    return None


def pending_extension(actor: User, c: Complaint) -> str | None:
    if not c.extensions.filter(approved__isnull=True).exists():
        return _("没有待审批的延期申请")
    return None


def no_pending_extension(actor: User, c: Complaint) -> str | None:
    if c.extensions.filter(approved__isnull=True).exists():
        return _("已有延期申请待审批")
    return None


def review_window(actor: User | None, c: Complaint) -> str | None:
    """A review is asked within the window, once per result: the decision is final (seed 003-20;
    ``reviewing.already_reviewed``). The portal asks it with no actor, to offer the form or not."""
    from tousu.complaints.reviewing import already_reviewed

    if already_reviewed(c):
        return _("本件已经复核，复核决定为最终决定，不能再次申请复核")
    if c.review_window_ends and timezone.now() > c.review_window_ends:
        return _("已超过复核申请期限")
    return None


def review_decider(actor: User, c: Complaint) -> str | None:
    """The unit above the one whose result is reviewed decides, not the centre as such
    (``tousu.complaints.reviewing``); anyone else is refused as not permitted (403)."""
    from tousu.complaints.reviewing import may_decide_review, not_the_reviewer

    if not may_decide_review(actor, c):
        raise NotPermitted(not_the_reviewer(c), action="decide_review", code="not_the_reviewer")
    return None


def returned(actor: User, c: Complaint) -> str | None:
    if not c.returned_from_id:
        return _("此件不是被承办单位退回的")
    return None


def not_transfer(actor: User, c: Complaint) -> str | None:
    if c.dispatch_mode == DispatchMode.TRANSFER:
        return _("转办件由承办单位自行办理，不得再下转")
    return None


def co_unit(actor: User, c: Complaint) -> str | None:
    if c.opinions.filter(unit=actor.unit_id).exists():
        return _("本单位已提出协办意见")
    return None


def opinions_in(actor: User, c: Complaint) -> str | None:
    missing = missing_opinions(c)
    if missing:
        return _("协办单位意见未齐：%(units)s") % {"units": "、".join(u.name for u in missing)}
    return None


def missing_opinions(c: Complaint) -> list[Unit]:
    """The co-units that have not yet given their opinion to the lead unit."""
    given = c.opinions.values("unit_id")
    return list(c.co_units.exclude(pk__in=given))


def approval_chain() -> list[dict]:
    """The preset's pre-dispatch approval steps where approval is in force, else []."""
    from django.conf import settings

    from tousu.complaints.preset import active

    if not settings.TOUSU_DISPATCH_APPROVAL:
        return []
    return [step.model_dump() for step in active().dispatch_approval]


def pending_plan(c: Complaint) -> DispatchPlan | None:
    return c.dispatch_plans.filter(state="pending").first()


def dispatch_directly(actor: User, c: Complaint) -> str | None:
    if approval_chain():
        return _("分办须经审批：请先提出分办意见")
    return None


def may_propose(actor: User, c: Complaint) -> str | None:
    if not approval_chain():
        return _("未启用分办审批，请直接分办")
    if pending_plan(c) is not None:
        return _("已有分办意见待审批")
    return None


def step_approver(actor: User, c: Complaint) -> str | None:
    plan = pending_plan(c)
    step = plan.current_step if plan else None
    if step is None:
        return _("没有待审批的分办意见")
    if step["approver"] != actor.username:
        return _("此步（%(label)s）由%(name)s审批") % {"label": step["label"], "name": step["approver_name"]}
    return None


def someone_in_conflict(actor: User, c: Complaint) -> str | None:
    if not c.conflicts.filter(lifted_at__isnull=True).exists():
        return _("没有须回避的人员")
    return None


def identity_requestable(actor: User, c: Complaint) -> str | None:
    """A unit user who sees the redacted view may ask to see who complained, once at a time. (The
    person complained about and anyone in conflict never may: the recusal check refuses them before
    any guard.) Raises with the specific code the faces show; a guard may refine its refusal so."""
    from tousu.complaints.confidentiality import sees_identity

    if sees_identity(actor, c):
        raise Conflict(_("您已可以查看投诉人信息，无须申请"), code="identity_visible")
    if c.identity_grants.filter(user=actor, approved__isnull=True).exists():
        raise Conflict(_("已有申请待投诉中心审批"), code="identity_request_pending")
    return None


def contact_revealable(actor: User, c: Complaint) -> str | None:
    """The preset names the roles that may call a complainant back; and only one who sees the
    identity at all may see the full number (a unit on the respondent's side never does)."""
    from tousu.complaints.confidentiality import sees_identity
    from tousu.complaints.preset import active

    if actor.role not in active().contact_reveal_roles:
        raise NotPermitted(_("您的角色不能查看完整联系方式"), code="contact_reveal_refused")
    if not sees_identity(actor, c):
        raise NotPermitted(_("此件对您隐去了投诉人身份，不能查看联系方式"), code="contact_reveal_refused")
    if c.anonymous:
        return _("匿名投诉没有可查看的联系方式")
    return None


# -- vets: checks of an action's input that depend on who acts --------------------------------------
def visitor(actor: User, c: Complaint) -> str | None:
    """The return visit is made by whom the preset says (complaints/visiting.py)."""
    from tousu.complaints.visiting import visitor_refusal

    return visitor_refusal(actor, c)


def waivable(actor: User, c: Complaint) -> str | None:
    """The preset lets the centre close a replied case without a visit, with its reason."""
    from tousu.complaints.preset import active

    return None if active().aftercare.waivable else _("本预设要求每件均须回访，不能免予回访")


def sanctions_settled(actor: User | None, c: Complaint) -> str | None:
    """A case is archived only once its sanctions are settled: none proposed, confirmed within its
    appeal window, or under appeal (tousu.accountability)."""
    from tousu.accountability.selectors import unsettled

    n = unsettled(c)
    return _("本件尚有%(n)d项处理未生效（待确认、申诉期内或申诉中），暂不能归档") % {"n": n} if n else None


def closing_anyway(actor: User, c: Complaint, data: Any) -> None:
    """Closing a case the complainant is unsatisfied with is the centre's call, with a reason."""
    if getattr(data, "close_anyway", False) and actor.role != Role.CENTER:
        raise NotPermitted(_("不满意件只能由投诉中心说明理由后办结"), action="follow_up", field="close_anyway")


def decline_authority(actor: User, c: Complaint, data: Any) -> None:
    """Some decline reasons need the centre's approval (the preset's reason codes say which)."""
    from tousu.complaints.models import ReasonCode

    needs_centre = (
        ReasonCode.objects.in_force()
        .filter(group=ReasonCode.Group.DECLINE, code=getattr(data, "reason", ""), needs_approval=True)
        .exists()
    )
    if needs_centre and actor.role != Role.CENTER:
        raise NotPermitted(_("此原因的不予受理须经投诉中心批准"), action="decline", reason=data.reason)
