"""Who decides a review (复核), and when a result may no longer be reviewed (SPEC §9; seed 003-20:
「向作出处理决定机构的上级单位或部门提出复议申请」, 003-21: the decision within 30 working days).

The rule, in one place, behind the action table's guards (``guards.review_decider``,
``guards.review_window``), the work queue (``work.py``: whose turn it is), the hand-off notice and
the deadline reminders (``notify.recipients``):

- The result under review was made by the unit the centre dispatched the case to (a section's
  result is its bureau's: the bureau answers for it to the centre), or by the handling unit where
  nothing was dispatched. A case the centre handled itself (直办), declined or resolved at intake
  was decided by the centre.
- The unit above that one decides: its head (``Unit.head``), or one of its members in a role the
  action table allows (部门负责人, 投诉中心督办员); a unit above with nobody to decide (no head, no
  such member) passes it on up the tree. Not the centre's supervisors as such, and never the unit
  whose result it is.
- Where the tree has no unit above, the centre's head decides (its members in the head role where
  it names none); the events say so (``fallback``).
- The decision is final: once upheld, the same result cannot be reviewed again. A result that was
  overturned is handled again, and the new result may be reviewed in its turn.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status

# The roles of the reviewing unit's members who may decide (within the action table's roles).
DECIDING_ROLES = frozenset({Role.HEAD, Role.CENTER})


@dataclass(frozen=True)
class ReviewUnit:
    unit: Unit  # the unit that decides
    decided: Unit | None  # the unit whose result is reviewed
    fallback: bool  # no unit above it: the centre's head decides


def main_centre() -> Unit | None:
    return Unit.objects.filter(is_center=True, active=True).order_by("path").first()


def _centre_case(c: Complaint) -> bool:
    return c.review_from == Status.DECLINED or c.handling_unit is None or c.handling_unit.is_center


def decided_unit(c: Complaint) -> Unit | None:
    """The unit whose result is under review (see the module's docstring)."""
    if _centre_case(c):
        return c.handling_unit if c.handling_unit is not None and c.handling_unit.is_center else main_centre()
    return c.dispatched_unit or c.handling_unit


def _deciding_units() -> set[int]:
    """The units with someone to decide a review: a head named, or a member in a deciding role."""
    named = Unit.objects.filter(head__is_active=True, head__role__in=DECIDING_ROLES).values_list("pk", flat=True)
    members = User.objects.filter(is_active=True, role__in=DECIDING_ROLES, unit__isnull=False)
    return set(named) | set(members.values_list("unit_id", flat=True))


def _above(decided: Unit, deciding: set[int]) -> int | None:
    """The nearest unit above ``decided`` with someone to decide (a section without a head of its
    own passes the review on up), or None: the tree has none."""
    return next((pk for pk in reversed(decided.lineage_ids()[:-1]) if pk in deciding), None)


def review_unit(c: Complaint) -> ReviewUnit | None:
    """The unit that decides the review of ``c``; None only when the organisation has no centre."""
    decided = decided_unit(c)
    above = _above(decided, _deciding_units()) if decided is not None else None
    if above is not None:
        return ReviewUnit(Unit.objects.get(pk=above), decided, False)
    centre = main_centre()
    return ReviewUnit(centre, decided, True) if centre is not None else None


def _decides_for(user: User, unit: Unit, fallback: bool) -> bool:
    if user.pk == unit.head_id:
        return True
    if user.unit_id != unit.pk:
        return False
    if fallback:  # the centre's head, not its supervisors: they took the decision under review
        return unit.head_id is None and user.role == Role.HEAD
    return user.role in DECIDING_ROLES


def may_decide_review(user: User, c: Complaint) -> bool:
    """Whether ``user`` is of the unit that decides the review of ``c``."""
    r = review_unit(c)
    return r is not None and _decides_for(user, r.unit, r.fallback)


def not_the_reviewer(c: Complaint) -> str:
    """Why someone else may not decide the review of ``c``: who does."""
    r = review_unit(c)
    if r is None:
        return _("未设置投诉中心，无法确定复核单位")
    if r.fallback:
        return _("复核由上级单位决定；%(note)s") % {"note": fallback_note(r)}
    return _("复核由原处理单位（%(decided)s）的上级单位%(unit)s决定") % {
        "decided": r.decided.name if r.decided else "",
        "unit": r.unit.name,
    }


def fallback_note(r: ReviewUnit) -> str:
    """What the events say when the tree has no unit above to decide."""
    return _("%(unit)s之上没有可作复核决定的单位，由%(centre)s负责人复核") % {
        "unit": r.decided.name if r.decided else r.unit.name,
        "centre": r.unit.name,
    }


def reviewers(c: Complaint) -> list[User]:
    """The active users who may decide the review of ``c`` (before scope and recusal)."""
    r = review_unit(c)
    if r is None:
        return []
    if r.fallback:
        near = Q(pk=r.unit.head_id) if r.unit.head_id else Q(unit=r.unit, role=Role.HEAD)
    else:
        near = Q(unit=r.unit, role__in=DECIDING_ROLES) | Q(pk=r.unit.head_id or 0)
    return list(User.objects.filter(near, is_active=True).select_related("unit"))


def _units_decided_by(user: User) -> list[int]:
    """The units whose results ``user`` reviews, as ``review_unit`` picks the unit above: those
    whose nearest deciding unit above is one the user heads or decides for, and, for the centre's
    head, those with none above them. (A unit tree is small: it is read whole.)"""
    mine = Q(head=user)
    if user.unit_id is not None and user.role in DECIDING_ROLES:
        mine |= Q(pk=user.unit_id)
    own = set(Unit.objects.filter(mine).values_list("pk", flat=True))
    centre = main_centre()
    fallback = centre is not None and _decides_for(user, centre, True)
    if not own and not fallback:
        return []
    deciding = _deciding_units()
    found = []
    for unit in Unit.objects.only("pk", "path"):
        above = _above(unit, deciding)
        if (above in own) if above is not None else fallback:
            found.append(unit.pk)
    return found


def review_q(user: User) -> Q:
    """``may_decide_review`` as a filter on complaints (the work queue): the unit whose result is
    reviewed, written out as ``decided_unit`` picks it."""
    units = _units_decided_by(user)
    if not units:
        return Q(pk__in=[])
    centre_case = Q(review_from=Status.DECLINED) | Q(handling_unit__isnull=True) | Q(handling_unit__is_center=True)
    dispatched = Q(dispatched_unit__in=units) | Q(dispatched_unit__isnull=True, handling_unit__in=units)
    own_centre = Q(handling_unit__is_center=True, handling_unit__in=units)
    centre = main_centre()
    main = (
        (Q(handling_unit__isnull=True) | Q(handling_unit__is_center=False))
        if centre is not None and centre.pk in units
        else Q(pk__in=[])
    )
    return ~centre_case & dispatched | centre_case & (own_centre | main)


# -- finality --------------------------------------------------------------------------------------
def already_reviewed(c: Complaint) -> bool:
    """The result ``c`` stands on was upheld on review: the last review decision upheld it, and
    the case has not left that result since (a reopened case that closes again has a new one)."""
    last = c.events.filter(action="decide_review").order_by("-seq").only("seq", "payload").first()
    if last is None or not (last.payload or {}).get("upheld"):
        return False
    results = (Status.CLOSED, Status.DECLINED, Status.ARCHIVED)
    return not c.events.filter(seq__gt=last.seq).exclude(to_status__in=results).exists()
