"""Who sees a complainant's identity (摘转, SPEC §1, §2, §7): one rule, written once as a query filter
and used in three forms — a ``Q`` for searches, a batch for lists, and one case for a page.

A user does not see the identity of a case's complainants when:

* they are personally on the other side: a respondent staff member of the case, or marked in
  conflict with it (回避, a ``Conflict`` not lifted). No grant changes that;
* or they are unit staff (handler, head) and either the case was dispatched as a redacted transfer,
  or their unit is on the respondent's side: a respondent unit, or the unit of a respondent staff
  member, is their own unit or a unit above it — or lies below their unit, where their unit is not
  the centre nor a unit above the centre (the bureau of a section complained about is that
  section's side; the county government that houses the centre is not). An approved identity
  grant for the user on the case lifts this second kind of hiding only.

Everyone else — the centre's staff, the auditor, a unit that is neither complained about nor sent a
redacted transfer — sees the identity. Every face (detail, lists, search, caller look-up, letters,
exports, notifications, attachments, history) asks this module and nothing else.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from django.db.models import BooleanField, Exists, ExpressionWrapper, Q, QuerySet

from tousu.accounts.models import Role, Unit, User
from tousu.complaints.models import Complaint, Conflict, IdentityGrant, Respondent
from tousu.core.redaction import Scrubber

UNIT_ROLES = frozenset({Role.HANDLER, Role.HEAD})


def _same_side(unit: Unit | None) -> Q:
    """Respondent rows (a unit, or a staff member's unit) on the same side as ``unit``: its own
    unit or a unit above it, or a unit below any of those that is neither the centre nor above
    the centre. All in SQL: the centre test is a subquery, so the rule costs no query of its own."""
    if unit is None:
        return Q(pk__in=[])
    ids = unit.lineage_ids()
    q = Q(unit_id__in=ids) | Q(staff__unit_id__in=ids)
    for depth in range(1, len(ids) + 1):
        path = "/" + "/".join(str(x) for x in ids[:depth]) + "/"
        centre_within = Exists(Unit.objects.filter(is_center=True, path__startswith=path))
        q |= (Q(unit__path__startswith=path) | Q(staff__unit__path__startswith=path)) & ~Q(centre_within)
    return q


def _personal(actor: User) -> Q:
    """Cases in which ``actor`` is a respondent staff member or marked in conflict."""
    respondent = Respondent.objects.filter(staff=actor).values("complaint_id")
    conflict = Conflict.objects.filter(user=actor, lifted_at__isnull=True).values("complaint_id")
    return Q(id__in=respondent) | Q(id__in=conflict)


def hidden_q(actor: User) -> Q:
    """The complaints whose complainants ``actor`` may not see, as a filter on ``Complaint``."""
    key = (actor.pk, actor.role, actor.unit_id)
    cached = actor.__dict__.get("_identity_hidden_q")
    if cached is not None and cached[0] == key:
        return cached[1]
    q = _personal(actor)
    if actor.role in UNIT_ROLES:
        unit_side = Q(redacted=True)
        if actor.unit_id:
            unit_side |= Q(id__in=Respondent.objects.filter(_same_side(actor.unit)).values("complaint_id"))
        granted = IdentityGrant.objects.filter(user=actor, approved=True).values("complaint_id")
        q |= unit_side & ~Q(id__in=granted)
    # Remembered on the instance, as below; the subqueries run anew with every query that uses it.
    actor.__dict__["_identity_hidden_q"] = (key, q)
    return q


def with_hidden(qs: QuerySet[Complaint], actor: User) -> QuerySet[Complaint]:
    """``qs`` with ``identity_hidden`` on every row: the batch form, inside a page's own query."""
    return qs.annotate(identity_hidden=ExpressionWrapper(hidden_q(actor), output_field=BooleanField()))


def mark_hidden(rows: list[Complaint], actor: User) -> list[Complaint]:
    """Remember that the rows' ``identity_hidden`` (from ``with_hidden``) answers for ``actor``."""
    for c in rows:
        c.__dict__["_hidden_for"] = actor.pk
    return rows


def hidden_ids(actor: User, complaints: Iterable[Complaint]) -> set[int]:
    """The ids of ``complaints`` whose complainants ``actor`` may not see: at most one query for a
    page, none where the rows came from ``with_hidden`` for this actor."""
    rows = list(complaints)
    if not rows:
        return set()
    if all(c.__dict__.get("_hidden_for") == actor.pk for c in rows):
        return {c.id for c in rows if c.__dict__["identity_hidden"]}  # the annotation of with_hidden
    ids = [c.id for c in rows]
    return set(Complaint.objects.filter(id__in=ids).filter(hidden_q(actor)).values_list("id", flat=True))


def sees_identity(actor: User, complaint: Complaint) -> bool:
    """Whether ``actor`` may see who complained about ``complaint`` (remembered on the instance for
    the rest of the request)."""
    memo: dict[int, bool] = complaint.__dict__.setdefault("_sees_identity", {})
    if actor.pk not in memo:
        memo[actor.pk] = complaint.id not in hidden_ids(actor, [complaint])
    return memo[actor.pk]


def personally_excluded(actor: User, complaint: Complaint) -> bool:
    """The actor is complained about in this case or in conflict with it: no grant can help."""
    return Complaint.objects.filter(id=complaint.id).filter(_personal(actor)).exists()


def sent_redacted(complaint: Complaint, unit: Unit | None) -> bool:
    """Whether what goes to ``unit`` (a dispatch letter) must be redacted: a redacted transfer, or
    the unit is on a respondent's side."""
    if complaint.redacted:
        return True
    return unit is not None and complaint.respondents.filter(_same_side(unit)).exists()


def may_look_up_callers(actor: User) -> bool:
    """Unit staff may use the caller look-up only where the preset allows it (``unit_caller_lookup``):
    a caller's history tells who complained."""
    if actor.role not in UNIT_ROLES:
        return True
    from tousu.complaints.preset import active

    return active().unit_caller_lookup


# -- scrubbing a complaint's text for a redacted viewer -------------------------------------------
# One compiled scrubber per complaint *instance* while it lives (a page scrubs many texts of one
# case). Keyed by identity, not by the model's equality (its pk): another instance of the same row,
# read later or in another test, may carry other complainants.
_SCRUBBERS: dict[int, tuple[weakref.ref[Complaint], Scrubber]] = {}


def _cached(c: Complaint) -> Scrubber | None:
    hit = _SCRUBBERS.get(id(c))
    return hit[1] if hit is not None and hit[0]() is c else None


def _remember(c: Complaint, scrubber: Scrubber) -> Scrubber:
    key = id(c)
    _SCRUBBERS[key] = (weakref.ref(c, lambda _gone: _SCRUBBERS.pop(key, None)), scrubber)
    return scrubber


def scrubber_for(c: Complaint) -> Scrubber:
    """The scrubber of ``c``'s complainants: every form of their identity (core.redaction)."""
    return _cached(c) or _remember(c, Scrubber(c.complainants.all()))


def scrub_identity(c: Complaint, text: str) -> str:
    return scrubber_for(c)(text)


def scrubbers_for(rows: list[Complaint]) -> dict[int, Scrubber]:
    """``scrubber_for`` for a page of complaints, their complainants read in one query."""
    from tousu.complaints.models import Complainant

    wanted = [c for c in rows if _cached(c) is None]
    people: dict[int, list[Complainant]] = {c.id: [] for c in wanted}
    for p in Complainant.objects.filter(complaint__in=list(people)) if people else []:
        people[p.complaint_id].append(p)
    made = {c.id: _remember(c, Scrubber(people[c.id])) for c in wanted}
    return {c.id: made.get(c.id) or scrubber_for(c) for c in rows}
