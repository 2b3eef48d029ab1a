"""Who may see and do what (SPEC §2): data scope, roles per action, and per-action guards.

``access_complaint`` answers NotFound for a complaint outside the actor's scope, so a number
outside one's scope cannot be told apart from one that does not exist.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.complaints.models import CONVERTIBLE_KINDS, Complaint, DispatchMode
from tousu.complaints.states import TRANSITIONS
from tousu.core.errors import InvalidTransition, NotFound, NotPermitted


def scope_filter(actor: User) -> Q:
    """A filter selecting the complaints ``actor`` may read."""
    mine = Q(handler=actor) | Q(registered_by=actor) | Q(first_owner=actor)
    if actor.scope == Scope.ALL or actor.is_superuser:
        return Q()
    if not actor.unit_id or actor.scope == Scope.OWN:
        return mine
    if actor.scope == Scope.SUBTREE:
        units = Unit.objects.filter(path__startswith=actor.unit.path).values("id")
        return mine | Q(handling_unit__in=units) | _co_handled(Q(unit_id__in=units))
    return mine | Q(handling_unit=actor.unit_id) | _co_handled(Q(unit_id=actor.unit_id))


def _co_handled(units: Q) -> Q:
    """Complaints co-handled by the units: a subquery on the link table, not a join, so the
    outer query neither repeats rows nor loses the use of its indexes."""
    links = Complaint.co_units.through.objects.filter(units).values("complaint_id")
    return Q(id__in=links)


def visible_complaints(actor: User) -> QuerySet[Complaint]:
    q = scope_filter(actor)
    qs = Complaint.objects.all()
    return qs.filter(q) if q else qs


def access_complaint(actor: User, number: str, *, for_update: bool = False) -> Complaint:
    qs = visible_complaints(actor).filter(number=number)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    complaint = qs.select_related("handling_unit", "category", "grade").first()
    if complaint is None:
        raise NotFound(_("投诉件 %(number)s 不存在或不在您的权限范围内") % {"number": number},
                       number=number)
    return complaint


def in_handling_unit(actor: User, complaint: Complaint) -> bool:
    """The actor belongs to the handling unit, or heads an ancestor of it, or is its handler."""
    if complaint.handler_id == actor.pk:
        return True
    unit = complaint.handling_unit
    if unit is None or actor.unit_id is None:
        return False
    if actor.unit_id == unit.pk:
        return True
    return actor.role == Role.HEAD and unit.path.startswith(actor.unit.path)


# Guards: action-specific conditions beyond state and role. Each returns None or the reason.
def _approver(actor: User, c: Complaint) -> str | None:
    if actor.role == Role.HEAD and c.dispatch_mode != DispatchMode.TRANSFER:
        return _("直办、交办件的办理结果由投诉中心审核")
    return None


def _convertible(actor: User, c: Complaint) -> str | None:
    if c.kind not in CONVERTIBLE_KINDS:
        return _("只有查询、咨询和障碍申告可以转为投诉")
    return None


def _pending_extension(actor: User, c: Complaint) -> str | None:
    if not c.extensions.filter(approved__isnull=True).exists():
        return _("没有待审批的延期申请")
    return None


def _no_pending_extension(actor: User, c: Complaint) -> str | None:
    if c.extensions.filter(approved__isnull=True).exists():
        return _("已有延期申请待审批")
    return None


def _review_window(actor: User, c: Complaint) -> str | None:
    if c.review_window_ends and timezone.now() > c.review_window_ends:
        return _("已超过复核申请期限")
    return None


def _returned(actor: User, c: Complaint) -> str | None:
    if not c.returned_from_id:
        return _("此件不是被承办单位退回的")
    return None


def _not_transfer(actor: User, c: Complaint) -> str | None:
    if c.dispatch_mode == DispatchMode.TRANSFER:
        return _("转办件由承办单位自行办理,不得再下转")
    return None


def _co_unit(actor: User, c: Complaint) -> str | None:
    if c.opinions.filter(unit=actor.unit_id).exists():
        return _("本单位已提出协办意见")
    return None


def _opinions_in(actor: User, c: Complaint) -> str | None:
    missing = missing_opinions(c)
    if missing:
        return _("协办单位意见未齐: %(units)s") % {"units": "、".join(u.name for u in missing)}
    return None


def missing_opinions(c: Complaint) -> list[Unit]:
    """The co-units that have not yet given their opinion to the lead unit."""
    given = c.opinions.values("unit_id")
    return list(c.co_units.exclude(pk__in=given))


def approval_chain() -> list[dict]:
    """The preset's pre-dispatch approval steps where approval is in force, else []."""
    from django.conf import settings

    from tousu.presets import REGISTRY

    if not settings.TOUSU_DISPATCH_APPROVAL:
        return []
    return list(REGISTRY[settings.TOUSU_PRESET].extra.get("dispatch_approval", []))


def _pending_plan(c: Complaint):  # noqa: ANN202
    return c.dispatch_plans.filter(state="pending").first()


def _dispatch_directly(actor: User, c: Complaint) -> str | None:
    if approval_chain():
        return _("分办须经审批:请先提出分办意见")
    return None


def _may_propose(actor: User, c: Complaint) -> str | None:
    if not approval_chain():
        return _("未启用分办审批,请直接分办")
    if _pending_plan(c) is not None:
        return _("已有分办意见待审批")
    return None


def _step_approver(actor: User, c: Complaint) -> str | None:
    plan = _pending_plan(c)
    step = plan.current_step if plan else None
    if step is None:
        return _("没有待审批的分办意见")
    if step["approver"] != actor.username:
        return _("此步(%(label)s)由%(name)s审批") % {"label": step["label"], "name": step["approver_name"]}
    return None


def _someone_in_conflict(actor: User, c: Complaint) -> str | None:
    if not c.conflicts.filter(lifted_at__isnull=True).exists():
        return _("没有须回避的人员")
    return None


GUARDS: dict[str, Callable[[User, Complaint], str | None]] = {
    "lift_conflict": _someone_in_conflict,
    "dispatch": _dispatch_directly,
    "propose_dispatch": _may_propose,
    "decide_dispatch": _step_approver,
    "approve": _approver,
    "reject_result": _approver,
    "refuse_return": _returned,
    "sub_dispatch": _not_transfer,
    "give_opinion": _co_unit,
    "submit_result": _opinions_in,
    "convert": _convertible,
    "decide_extension": _pending_extension,
    "request_extension": _no_pending_extension,
    "request_review": _review_window,
}


def check_role(actor: User, complaint: Complaint, action: str) -> None:
    """Raise NotPermitted unless the actor's role (and unit, for unit actions) may take ``action``,
    and the actor is not in conflict with the complaint (回避)."""
    t = TRANSITIONS[action]
    if actor.role not in t.roles:
        raise NotPermitted(_("角色“%(role)s”不能执行“%(action)s”") % {
            "role": actor.get_role_display(), "action": t.label}, action=action, role=actor.role)
    if t.unit_action and actor.role != Role.CENTER and not in_handling_unit(actor, complaint):
        raise NotPermitted(_("只有承办单位可以执行“%(action)s”") % {"action": t.label}, action=action)
    if t.co_unit_action and not (actor.unit_id and complaint.co_units.filter(pk=actor.unit_id).exists()):
        raise NotPermitted(_("只有协办单位可以执行“%(action)s”") % {"action": t.label}, action=action)
    reason = recusal_reason(complaint, actor)
    if reason:
        raise NotPermitted(reason, action=action, code="recusal_required")


# -- recusal (回避) ---------------------------------------------------------------------------------
def recusal_reason(complaint: Complaint, user: User) -> str | None:
    """Why ``user`` must stay out of ``complaint`` (handler, approver, follow-up agent or any other
    part in it), or None: the staff member complained about, and anyone marked in conflict."""
    cached = getattr(complaint, "_recused", None)
    if cached is None:
        from tousu.complaints.models import Conflict, Respondent

        cached = {uid: None for uid in Respondent.objects.filter(
            complaint=complaint, staff__isnull=False).values_list("staff_id", flat=True)}
        marked = Conflict.objects.filter(complaint=complaint, lifted_at__isnull=True)
        for uid, why in marked.values_list("user_id", "reason"):
            cached.setdefault(uid, why)
        complaint._recused = cached
    if user.pk not in cached:
        return None
    if cached[user.pk] is None:
        return _("%(user)s 是被投诉人,须回避") % {"user": user}
    return _("%(user)s 已被标记为须回避: %(reason)s") % {"user": user, "reason": cached[user.pk]}


def check_state(actor: User, complaint: Complaint, action: str) -> None:
    """Raise InvalidTransition unless the complaint's state (and the action's guard) allow it."""
    t = TRANSITIONS[action]
    if complaint.status not in t.sources:
        raise InvalidTransition(
            _("状态“%(status)s”下不能执行“%(action)s”") % {
                "status": complaint.get_status_display(), "action": t.label},
            action=action, status=complaint.status)
    guard = GUARDS.get(action)
    reason = guard(actor, complaint) if guard else None
    if reason:
        raise InvalidTransition(reason, action=action, status=complaint.status)


def allowed_actions(actor: User, complaint: Complaint) -> list[str]:
    allowed = []
    for action, t in TRANSITIONS.items():
        if actor.role not in t.roles or complaint.status not in t.sources:
            continue  # the cheap tests first: most actions fail them, without building a message
        try:
            check_role(actor, complaint, action)
            check_state(actor, complaint, action)
        except (NotPermitted, InvalidTransition):
            continue
        allowed.append(action)
    return allowed


# -- confidentiality (摘转) ------------------------------------------------------------------------
# The rule lives in complaints.identity; these names stay importable from here.
from tousu.complaints.identity import UNIT_ROLES, sees_identity  # noqa: E402, F401
