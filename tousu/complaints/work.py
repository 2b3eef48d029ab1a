"""Who must act on a complaint now (SPEC §2, §5): one definition, derived from the action table,
behind the work queues (我的待办), the home counts, the "next step" line of a complaint and the
notice sent at every hand-off.

A complaint is in a user's queue when the user may take one of the lifecycle's *work* actions on it
now — allowed by the action table (role, unit, recusal, state, guard) — and it is that user's turn:
the handler assigned to it rather than every colleague, the centre only for its own direct cases,
the unit head for a transfer's result. Optional actions (return, extension request, suspension,
decline…) and the routine ones the table marks secondary (urge, merge…) are not work: a case is in
a queue because somebody must act, not because somebody could.

Each work row says it twice, side by side: as a database filter (``q``), so that a queue and its
count are one query at any size, and for one complaint in memory (``holds``); the test
``tests/test_work.py`` checks, user by user and complaint by complaint, that the queue is exactly
the set of complaints on which ``access.allowed_actions`` offers that user a work action. Where a
guard cannot be a filter (the step of a dispatch plan), the row's filter is
wider and ``verify`` sends its few candidates through the action table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact

from tousu.accounts.models import Role, User
from tousu.complaints.access import Recused, allowed_actions, in_handling_unit, in_scope, recused, visible_complaints
from tousu.complaints.guards import approval_chain
from tousu.complaints.models import Complaint, Conflict, DispatchMode, Extension, Respondent
from tousu.complaints.reviewing import may_decide_review, review_q, reviewers
from tousu.complaints.states import Status
from tousu.complaints.visiting import is_visitors_turn, visitors_q

S = Status


def _in_unit_q(actor: User) -> Q:
    """The complaints ``actor`` handles or whose handling unit is theirs (a head: or below theirs),
    as ``access.in_handling_unit`` decides for one complaint."""
    return Q(handler=actor) | _units_q(actor)


def _units_q(actor: User) -> Q:
    """The complaints whose handling unit is ``actor``'s (a head's: or below it)."""
    if actor.unit_id is None:
        return Q(pk__in=[])
    if actor.role == Role.HEAD and actor.unit is not None:
        # A subquery on the units, not a join: the complaints' (status, unit) index stays usable.
        from tousu.accounts.models import Unit

        return Q(handling_unit__in=Unit.objects.filter(path__startswith=actor.unit.path).values("id"))
    return Q(handling_unit=actor.unit_id)


def _assignee_q(actor: User) -> Q:
    """Their own case, or their unit's case that nobody has been assigned yet."""
    return Q(handler=actor) | Q(handler__isnull=True) & _in_unit_q(actor)


def _assignee(actor: User, c: Complaint) -> bool:
    return c.handler_id == actor.pk or (c.handler_id is None and in_handling_unit(actor, c))


def _direct(c: Complaint) -> bool:
    return c.dispatch_mode == DispatchMode.DIRECT


DIRECT = Q(dispatch_mode=DispatchMode.DIRECT)
# "No handler yet", written so that SQLite does not take the handler index for it: most archived
# cases have no handler, so "handler_id IS NULL" through that index reads a large part of the table
# where the (status, unit) index reads a few rows (bench/handoff.py: 75 → 3 ms at 100,000).
UNASSIGNED = Q(Exact(Coalesce("handler_id", Value(0)), 0))


def _pending_extension() -> Q:
    return Q(id__in=Extension.objects.filter(approved__isnull=True).values("complaint_id"))


def _co_unit_waiting(actor: User) -> Q:
    """A co-unit of ``actor``'s that has not given its opinion yet."""
    if actor.unit_id is None:
        return Q(pk__in=[])
    links = Complaint.co_units.through.objects.filter(unit_id=actor.unit_id).values("complaint_id")
    from tousu.complaints.models import Opinion

    given = Opinion.objects.filter(unit_id=actor.unit_id).values("complaint_id")
    return Q(id__in=links) & ~Q(id__in=given)


def _opinions_in() -> Q:
    """Every co-unit has given its opinion (guards.opinions_in), as a filter."""
    from tousu.complaints.models import Opinion

    links = Complaint.co_units.through.objects
    given = Opinion.objects.filter(complaint_id=OuterRef("complaint_id"), unit_id=OuterRef("unit_id"))
    return ~Q(id__in=links.filter(~Exists(given)).values("complaint_id"))


def _pending_plan() -> Q:
    from tousu.complaints.models import DispatchPlan

    return Q(id__in=DispatchPlan.objects.filter(state="pending").values("complaint_id"))


def _signoff_pending() -> Q:
    from tousu.solution.selectors import pending_q

    return pending_q()


# The solution's sign-offs (tousu.solution) are not form actions: the signer's turn is read from
# the solution itself (whose signature is due), beside the rows below.
SIGNOFF = "sign_solution"


def _signoff_due(actor: User, c: Complaint, people: Recused | None = None) -> list[str]:
    from tousu.complaints.access import recusal_reason
    from tousu.solution.selectors import is_due_signer

    if c.status != S.PENDING_APPROVAL or actor.role not in (CENTER, HEAD, Role.QUALITY):
        return []
    return [SIGNOFF] if is_due_signer(actor, c) and not recusal_reason(c, actor, people) else []


@dataclass(frozen=True)
class Work:
    action: str
    roles: frozenset[str]  # the roles for whom the action is work (a subset of the table's roles)
    q: Callable[[User], Q]  # the complaints on which it is the user's work, as a filter
    holds: Callable[[User, Complaint], bool]  # the same for one complaint the action is allowed on
    verify: bool = False  # ``q`` is wider than the truth: confirm candidates with the action table


CENTER, HEAD, HANDLER, CLERK = Role.CENTER, Role.HEAD, Role.HANDLER, Role.CLERK
UNIT = frozenset({HEAD, HANDLER})


def _always(actor: User, c: Complaint) -> bool:
    return True


def _centre_direct_or_unit(actor: User, c: Complaint) -> bool:
    return _direct(c) if actor.role == CENTER else _assignee(actor, c)


def _centre_direct_or_unit_q(actor: User) -> Q:
    return DIRECT if actor.role == CENTER else _assignee_q(actor)


WORK: tuple[Work, ...] = (
    Work("accept", frozenset({CLERK, CENTER}), lambda a: Q(status=S.REGISTERED), _always),
    Work(
        "dispatch",
        frozenset({CENTER}),
        lambda a: Q(status=S.ACCEPTED) if not approval_chain() else Q(pk__in=[]),
        _always,
    ),
    Work(
        "propose_dispatch",
        frozenset({CENTER}),
        lambda a: Q(status=S.ACCEPTED) & ~_pending_plan() if approval_chain() else Q(pk__in=[]),
        _always,
    ),
    Work(
        "decide_dispatch",
        frozenset({CENTER, HEAD}),
        lambda a: Q(status=S.ACCEPTED) & _pending_plan(),
        _always,
        verify=True,
    ),
    Work("sign", UNIT, lambda a: Q(status=S.DISPATCHED) & _assignee_q(a), _assignee),
    Work(
        "assign_handler",
        frozenset({HEAD}),
        # (Unassigned, so not the actor's own: only the unit decides.)
        lambda a: Q(status__in=[S.DISPATCHED, S.IN_PROGRESS]) & UNASSIGNED & _units_q(a),
        lambda a, c: c.handler_id is None,
    ),
    Work(
        "give_opinion",
        UNIT,
        lambda a: Q(status__in=[S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED]) & _co_unit_waiting(a),
        _always,
    ),
    Work(
        "decide_extension",
        frozenset({HEAD, CENTER}),
        lambda a: Q(status=S.IN_PROGRESS) & _pending_extension() & (Q() if a.role == CENTER else _in_unit_q(a)),
        _always,
    ),
    Work(
        "resume", UNIT | {CENTER}, lambda a: Q(status=S.SUSPENDED) & _centre_direct_or_unit_q(a), _centre_direct_or_unit
    ),
    Work(
        "submit_result",
        UNIT | {CENTER},
        lambda a: Q(status=S.IN_PROGRESS) & _centre_direct_or_unit_q(a) & _opinions_in(),
        _centre_direct_or_unit,
    ),
    Work(
        "approve",
        frozenset({HEAD, CENTER}),
        lambda a: (
            Q(status=S.PENDING_APPROVAL)
            & (~Q(dispatch_mode=DispatchMode.TRANSFER) if a.role == CENTER else Q(dispatch_mode=DispatchMode.TRANSFER))
            & ~_signoff_pending()  # the solution's sign-offs first (guards.approver_signed)
        ),
        lambda a, c: (c.dispatch_mode != DispatchMode.TRANSFER) == (a.role == CENTER),
    ),
    Work(
        "reply", UNIT | {CENTER}, lambda a: Q(status=S.APPROVED) & _centre_direct_or_unit_q(a), _centre_direct_or_unit
    ),
    # The follow-up staff, or the unit the preset names (complaints/visiting.py).
    Work("follow_up", UNIT | {Role.FOLLOWUP}, lambda a: Q(status=S.REPLIED) & visitors_q(a), is_visitors_turn),
    # The unit above the one whose result is reviewed (complaints/reviewing.py), not the centre.
    Work(
        "decide_review", frozenset({CENTER, HEAD}), lambda a: Q(status=S.UNDER_REVIEW) & review_q(a), may_decide_review
    ),
)
WORK_ACTIONS = frozenset(w.action for w in WORK)


def _recused_q(actor: User) -> Q:
    """The complaints ``actor`` must stay out of (回避)."""
    named = Respondent.objects.filter(staff=actor).values("complaint_id")
    marked = Conflict.objects.filter(user=actor, lifted_at__isnull=True).values("complaint_id")
    return Q(id__in=named) | Q(id__in=marked)


def _rows(role: str) -> list[Work]:
    return [w for w in WORK if role in w.roles]


def work_of(actor: User, c: Complaint, people: Recused | None = None) -> list[str]:
    """The work actions that are ``actor``'s on ``c`` now (the action table decides what is allowed;
    ``people``: ``access.recused(c)`` when the caller has it)."""
    rows = {w.action: w for w in _rows(actor.role)}
    found = [name for name in allowed_actions(actor, c, people, among=rows) if rows[name].holds(actor, c)]
    return found + _signoff_due(actor, c, people)


def queue(actor: User) -> QuerySet[Complaint]:
    """The complaints on which ``actor`` must act now: one query, plus the few candidates of the
    rows whose filter is wider than their guard, confirmed one by one."""
    rows = _rows(actor.role)
    base = visible_complaints(actor).exclude(_recused_q(actor))
    exact = Q(pk__in=[])
    wide = Q(pk__in=[])
    for w in rows:
        if w.verify:
            wide |= w.q(actor)
        else:
            exact |= w.q(actor)
    confirmed = [c.pk for c in base.filter(wide).exclude(exact) if work_of(actor, c)]
    from tousu.solution.selectors import due_q

    return base.filter(exact | due_q(actor) | Q(pk__in=confirmed))


def holders(c: Complaint, candidates: Iterable[User] | None = None) -> dict[User, list[str]]:
    """Everyone for whom ``c`` (as the database holds it) is work now, with their actions: the
    people a hand-off notifies and the "next step" line names. Each of the few candidates (the
    roles with work in this state, of the units concerned) goes through the action table itself,
    in memory, with the case's recusals and co-units read once."""
    people = list(candidates) if candidates is not None else _candidates(c)
    if not people:
        return {}
    shared = recused(c)
    co_units = list(c.co_units.all())
    found: dict[User, list[str]] = {}
    for u in people:
        if in_scope(u, c, co_units) and (actions := work_of(u, c, shared)):
            found[u] = actions
    return found


def _candidates(c: Complaint) -> list[User]:
    """The active users who could have work on ``c`` in its state: by role, and for unit roles only
    those of its handling unit, the units above it and its co-units."""
    roles = {r for w in WORK if c.status in _states(w) for r in w.roles}
    if not roles:
        return []
    if c.status == S.UNDER_REVIEW:  # its only work is the review, decided by the unit above
        return reviewers(c)
    if c.status == S.PENDING_APPROVAL:  # the solution's signer may sit anywhere (tousu.solution)
        from tousu.solution.selectors import due_signers

        signers = due_signers(c)
        if signers:
            return signers
    near = Q(role__in=[r for r in roles if r not in UNIT])
    units: set[int] = set()
    if c.handling_unit_id and c.handling_unit is not None:
        ids = [int(p) for p in c.handling_unit.path.strip("/").split("/") if p]
        units.update(ids)
    units.update(c.co_units.values_list("pk", flat=True))
    if c.status == S.ACCEPTED:  # a dispatch plan's approvers head the centre or the units above it
        from tousu.accounts.models import Unit

        for path in Unit.objects.filter(is_center=True).values_list("path", flat=True):
            units.update(int(p) for p in path.strip("/").split("/") if p)
    if units:
        near |= Q(role__in=[r for r in roles if r in UNIT], unit_id__in=units)
    return list(User.objects.filter(near, is_active=True).select_related("unit"))


def _states(w: Work) -> frozenset[str]:
    from tousu.complaints.actions import ACTIONS

    return ACTIONS[w.action].sources
