"""Who makes a replied complaint's return visit (回访), as the preset's ``aftercare.by`` says (SPEC
§9, issue 14): the rule, in one place, behind the action table's guard (``guards.visitor``) and
the work queue (``work.py``).

- ``centre``: the centre's follow-up staff (回访员), as most of the seeds have it.
- ``unit``: the unit that handled the case (seed 003-22: 「对办结的投诉事项，被投诉部门要全部回访」).
- ``parent``: the unit above it (seed 000-26: 「上报台账后二级分行回访」), but never the
  organisation as a whole: a case of a unit directly under the top is visited by the centre.

A case the centre handled itself is visited by the centre too. The centre's supervisors may always make a visit; the follow-up staff may too, but it is
their work only where the centre visits.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active

UNIT_ROLES = frozenset({Role.HEAD, Role.HANDLER})


def visiting_unit(c: Complaint) -> Unit | None:
    """The unit whose staff visit ``c``; None: the centre."""
    by = active().aftercare.by
    unit = c.handling_unit if c.handling_unit_id else None
    if by == "centre" or unit is None:
        return None
    if by == "unit":
        return unit
    up = unit.parent
    return up if up is not None and up.parent_id is not None else None  # not the organisation itself


def visitor_refusal(actor: User, c: Complaint) -> str | None:
    """Why ``actor`` may not make ``c``'s return visit; None if they may."""
    if actor.role in (Role.CENTER, Role.FOLLOWUP):
        return None
    unit = visiting_unit(c)
    if actor.role in UNIT_ROLES and unit is not None and actor.unit_id == unit.pk:
        return None
    if unit is None:
        return _("本件由投诉中心回访")
    return _("本件由%(unit)s回访") % {"unit": unit.name}


def is_visitors_turn(actor: User, c: Complaint) -> bool:
    """The visit is ``actor``'s work (their queue): the follow-up staff where the centre visits,
    the visiting unit's head and handlers otherwise."""
    unit = visiting_unit(c)
    if actor.role == Role.FOLLOWUP:
        return unit is None
    return unit is not None and actor.unit_id == unit.pk


def visitors_q(actor: User) -> Q:
    """``is_visitors_turn`` as a filter on replied complaints."""
    by = active().aftercare.by
    if actor.role == Role.FOLLOWUP:
        if by == "centre":
            return Q()
        centre_visits = Q(handling_unit__isnull=True)
        if by == "parent":
            centre_visits |= Q(handling_unit__parent__isnull=True) | Q(handling_unit__parent__parent__isnull=True)
        return centre_visits
    if by == "centre" or actor.unit is None:
        return Q(pk__in=[])
    if by == "unit":
        return Q(handling_unit=actor.unit_id)
    return Q(handling_unit__parent=actor.unit_id) if actor.unit.parent_id is not None else Q(pk__in=[])
