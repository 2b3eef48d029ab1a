"""Who may see and do what (SPEC §2): data scope, and the checks of the action table (roles,
units, recusal, states and guards) that every service starts with.

``access_complaint`` answers NotFound for a complaint outside the actor's scope, so a number
outside one's scope cannot be told apart from one that does not exist.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.complaints.models import Complaint
from tousu.core.errors import InvalidTransition, NotFound, NotPermitted, TousuError

if TYPE_CHECKING:
    from tousu.complaints.actions import Action


def scope_filter(actor: User) -> Q:
    """A filter selecting the complaints ``actor`` may read."""
    mine = Q(handler=actor) | Q(registered_by=actor) | Q(first_owner=actor)
    if actor.scope == Scope.ALL or actor.is_superuser:
        return Q()
    if not actor.unit_id or actor.scope == Scope.OWN:
        return mine
    if actor.scope == Scope.SUBTREE and actor.unit is not None:
        units = Unit.objects.filter(path__startswith=actor.unit.path).values("id")
        return mine | Q(handling_unit__in=units) | _co_handled(Q(unit_id__in=units))
    return mine | Q(handling_unit=actor.unit_id) | _co_handled(Q(unit_id=actor.unit_id))


def _co_handled(units: Q) -> Q:
    """Complaints co-handled by the units: a subquery on the link table, not a join, so the
    outer query neither repeats rows nor loses the use of its indexes."""
    links = Complaint.co_units.through.objects.filter(units).values("complaint_id")
    return Q(id__in=links)


def in_scope(actor: User, c: Complaint, co_units: list[Unit] | None = None) -> bool:
    """``scope_filter`` for one complaint in memory (``co_units``: its co-units, when the caller
    has them already). ``tests/test_work.py`` checks the two agree for every user and case."""
    if actor.scope == Scope.ALL or actor.is_superuser:
        return True
    if actor.pk in (c.handler_id, c.registered_by_id, c.first_owner_id):
        return True
    if not actor.unit_id or actor.scope == Scope.OWN:
        return False
    units = [c.handling_unit] if c.handling_unit_id else []
    units += list(c.co_units.all()) if co_units is None else co_units
    if actor.scope == Scope.SUBTREE and actor.unit is not None:
        path = actor.unit.path
        return any(u is not None and u.path.startswith(path) for u in units)
    return any(u is not None and u.pk == actor.unit_id for u in units)


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
        raise NotFound(_("投诉件 %(number)s 不存在或不在您的权限范围内") % {"number": number}, number=number)
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
    return actor.role == Role.HEAD and actor.unit is not None and unit.path.startswith(actor.unit.path)


def check_role(actor: User, complaint: Complaint, action: Action, recused: Recused | None = None) -> None:
    """Raise NotPermitted unless the actor's role (and unit, for unit actions) may take ``action``,
    and the actor is not in conflict with the complaint (回避)."""
    if actor.role not in action.roles:
        raise NotPermitted(
            _("角色“%(role)s”不能执行“%(action)s”") % {"role": actor.get_role_display(), "action": action.label},
            action=action.name,
            role=actor.role,
        )
    if action.unit_action and actor.role != Role.CENTER and not in_handling_unit(actor, complaint):
        raise NotPermitted(_("只有承办单位可以执行“%(action)s”") % {"action": action.label}, action=action.name)
    if action.co_unit_action and not (actor.unit_id and complaint.co_units.filter(pk=actor.unit_id).exists()):
        raise NotPermitted(_("只有协办单位可以执行“%(action)s”") % {"action": action.label}, action=action.name)
    reason = recusal_reason(complaint, actor, recused)
    if reason:
        raise NotPermitted(reason, action=action.name, code="recusal_required")


# -- recusal (回避) ---------------------------------------------------------------------------------
Recused = dict[int, "str | None"]


def recused(complaint: Complaint) -> Recused:
    """Who must stay out of ``complaint``: the staff members complained about (None) and anyone
    marked in conflict and not released (their reason)."""
    from tousu.complaints.models import Conflict, Respondent

    people: Recused = dict.fromkeys(
        Respondent.objects.filter(complaint=complaint, staff__isnull=False).values_list("staff_id", flat=True)
    )
    marked = Conflict.objects.filter(complaint=complaint, lifted_at__isnull=True)
    for uid, why in marked.values_list("user_id", "reason"):
        people.setdefault(uid, why)
    return people


def recusal_reason(complaint: Complaint, user: User, people: Recused | None = None) -> str | None:
    """Why ``user`` must stay out of ``complaint`` (handler, approver, follow-up agent or any other
    part in it), or None. ``people`` is ``recused(complaint)`` where the caller has it already."""
    people = recused(complaint) if people is None else people
    if user.pk not in people:
        return None
    if people[user.pk] is None:
        return _("%(user)s 是被投诉人，须回避") % {"user": user}
    return _("%(user)s 已被标记为须回避：%(reason)s") % {"user": user, "reason": people[user.pk]}


def check_state(actor: User, complaint: Complaint, action: Action) -> None:
    """Raise InvalidTransition unless the complaint's state (and the action's guard) allow it."""
    if complaint.status not in action.sources:
        raise InvalidTransition(
            _("状态“%(status)s”下不能执行“%(action)s”")
            % {"status": complaint.get_status_display(), "action": action.label},
            action=action.name,
            status=complaint.status,
        )
    reason = action.guard(actor, complaint) if action.guard else None
    if reason:
        raise InvalidTransition(reason, action=action.name, status=complaint.status)


def may(actor: User, action: str) -> bool:
    """Whether ``actor``'s role may take ``action`` at all (on some complaint, in some state)."""
    from tousu.complaints.actions import ACTIONS

    return actor.role in ACTIONS[action].roles


def may_take(actor: User, complaint: Complaint, name: str, people: Recused | None = None) -> bool:
    """Whether ``actor`` may take action ``name`` on ``complaint`` now, whatever its face: the
    checks ``services.common.begin`` makes after the scope (role, unit, recusal, state, guard);
    ``people``: ``recused(complaint)``, when the caller asks about several actions."""
    from tousu.complaints.actions import ACTIONS

    action = ACTIONS[name]
    if actor.role not in action.roles or complaint.status not in action.sources:
        return False  # the cheap tests first, as allowed_actions makes them
    try:
        check_role(actor, complaint, action, people)
        check_state(actor, complaint, action)
    except TousuError:
        return False
    return True


def allowed_actions(
    actor: User, complaint: Complaint, people: Recused | None = None, among: Collection[str] | None = None
) -> list[str]:
    """The lifecycle actions ``actor`` may take on ``complaint`` now, in the table's order
    (``people``: ``recused(complaint)``, when the caller asks for several actors; ``among``: only
    these actions are tried)."""
    from tousu.complaints.actions import FORM_ACTIONS

    allowed = []
    for name, action in FORM_ACTIONS.items():
        if among is not None and name not in among:
            continue
        if actor.role not in action.roles or complaint.status not in action.sources:
            continue  # the cheap tests first: most actions fail them, without building a message
        if people is None:
            people = recused(complaint)
        try:
            check_role(actor, complaint, action, people)
            check_state(actor, complaint, action)
        except TousuError:
            continue
        allowed.append(name)
    return allowed
