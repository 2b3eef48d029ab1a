"""Sanctions from proposal to effect (SPEC §10, issue 15 §2–3).

``propose`` runs with the determination: for every responsible unit and person the preset's rule
for a liable complaint, and for every process failure in the case's deadline history
(``failures``) the rule for it — each through the policy engine (``policy.propose``), with the
subject's history of the period and the year counted here. The panel then ``confirm``s each
proposal, as it stands, with other circumstances (re-run through the engine) or changed with a
reason; the sanctioned person (a unit: its head) may ``appeal`` within the preset's working days;
the level above the panel ``decide_appeal``s, finally. A confirmed sanction nobody appealed becomes
final when its window has passed (``finalise_due``, the deadline scan). Only a final sanction is in
effect; each step is on the complaint's record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accountability.failures import Failure, failures
from tousu.accountability.models import COUNTED, Appeal, AppealOutcome, Determination, Sanction, SanctionStatus
from tousu.accountability.policy import Breach, amount
from tousu.accountability.policy import propose as engine
from tousu.accounts.models import Role, Unit, User
from tousu.calendar.store import current as calendar
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, begin_system, finish
from tousu.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tousu.indicators import periods
from tousu.presets.accountability import SanctionPolicy, SanctionRule
from tousu.solution.services import money

Money = str | int | float | None


class ConfirmIn(Input):
    factors: list[str] | None = Field(
        None, max_length=10, description="从重、从轻或免予追究的情节代码；给出时按新的情节重新计算"
    )
    kind: str | None = Field(None, max_length=40, description="处理方式代码；不填则按计算结果")
    fine: Money = Field(None, description="罚款（元）；不填则按计算结果")
    points: Money = Field(None, description="扣分；不填则按计算结果")
    waive: bool = Field(False, description="不予处理（须说明理由）")
    reason: str = Field("", max_length=2000, description="变更或不予处理的理由；与计算结果不同时必填")


class AppealIn(Input):
    reason: str = Field(min_length=1, max_length=5000, description="申诉理由")


class DecideAppealIn(Input):
    outcome: Literal["upheld", "changed", "overturned"] = Field(description="维持、变更或撤销")
    decision: str = Field(min_length=1, max_length=5000, description="决定理由")
    kind: str | None = Field(None, max_length=40, description="变更后的处理方式代码")
    fine: Money = Field(None, description="变更后的罚款（元）")
    points: Money = Field(None, description="变更后的扣分")


# -- proposing --------------------------------------------------------------------------------------


def _subject_q(person: User | None, unit: Unit | None) -> Q:
    return Q(person=person, unit__isnull=True) if person is not None else Q(unit=unit, person__isnull=True)


def _counted(person: User | None, unit: Unit | None) -> Any:
    return Sanction.objects.filter(_subject_q(person, unit), status__in=COUNTED).exclude(kind="")


def history(
    policy: SanctionPolicy,
    rule: SanctionRule,
    person: User | None,
    unit: Unit | None,
    day: dt.date,
    before: int | None = None,
) -> tuple[int, int]:
    """The breach's number for its rule in the period, and the subject's sanctions in the year up
    to it, this one included; ``before``: as it was when sanction ``before`` was proposed (the
    sanctions recorded earlier only)."""
    period = periods.containing(day, policy.progression.period)
    mine = _counted(person, unit)
    if before is not None:
        mine = mine.filter(pk__lt=before)
    nth = mine.filter(rule=rule.code, breach_on__range=(period.first, period.last)).count() + 1
    in_year = mine.filter(breach_on__gt=day - dt.timedelta(days=365), breach_on__lte=day).count() + 1
    return nth, in_year


def factors(policy: SanctionPolicy, codes: list[str], field: str, **where: Any) -> list[str]:
    known = {f.code for f in (*policy.aggravating, *policy.mitigating, *policy.exempting)}
    for code in codes:
        if code not in known:
            raise ValidationFailed(
                _("「%(code)s」不是预设的从重、从轻或免予追究情节") % {"code": code},
                field=field,
                allowed=sorted(known),
                **where,
            )
    return list(dict.fromkeys(codes))


def _rule_for(policy: SanctionPolicy, trigger: str, reasons: list[str], subject: str) -> SanctionRule | None:
    """The first rule for ``trigger`` that names one of the reasons, else the first that names none."""
    rules = [r for r in policy.rules if r.trigger == trigger and subject in r.subjects]
    specific = next((r for r in rules if set(r.reasons) & set(reasons)), None)
    return specific or next((r for r in rules if not r.reasons), None)


def _create(
    policy: SanctionPolicy,
    d: Determination,
    rule: SanctionRule,
    *,
    person: User | None,
    unit: Unit | None,
    on: dt.date,
    loss: Decimal,
    factors: list[str],
    what: str,
    position: int,
) -> Sanction:
    nth, in_year = history(policy, rule, person, unit, on)
    p = engine(policy, Breach(rule=rule, nth=nth, in_year=in_year, loss=loss, factors=tuple(factors), what=what))
    return Sanction.objects.create(
        complaint=d.complaint,
        determination=d,
        position=position,
        person=person,
        unit=unit,
        rule=rule.code,
        trigger=rule.trigger,
        breach_on=on,
        factors=factors,
        proposed=p.figures,
        kind=p.kind,
        fine=p.fine,
        points=p.points,
        consequences=p.consequences,
        trail=p.trail,
        what=what[:300],
    )


def propose(d: Determination, shares: list[tuple[Unit | None, User | None, Decimal, list[str]]]) -> list[Sanction]:
    """The engine's proposals for a determination just recorded: ``shares`` are its responsible
    units and persons with their apportioned loss and the panel's findings on each."""
    policy = active().accountability.sanctions
    made: list[Sanction] = []
    if d.liable:
        for unit, person, loss, factors in shares:
            rule = _rule_for(policy, "liable", list(d.reasons), "person" if person is not None else "unit")
            if rule is None:
                continue
            made.append(
                _create(policy, d, rule, person=person, unit=unit, on=d.decided_on, loss=loss, factors=factors,
                        what="", position=len(made) + 1)
            )  # fmt: skip
            head = _head_of(person)
            if rule.for_head is not None and head is not None:
                made.append(
                    _create(policy, d, rule.for_head, person=head, unit=None, on=d.decided_on, loss=loss, factors=[],
                            what=f"{person}所在部门负责人", position=len(made) + 1)
                )  # fmt: skip
    for failure in failures(d.complaint):
        made += _for_failure(policy, d, failure, len(made))
    return made


def _head_of(person: User | None) -> User | None:
    """The head of ``person``'s unit, where it is somebody else."""
    unit = person.unit if person is not None else None
    head = unit.head if unit is not None else None
    return head if head is not None and person is not None and head.pk != person.pk else None


def _for_failure(policy: SanctionPolicy, d: Determination, f: Failure, position: int) -> list[Sanction]:
    made: list[Sanction] = []
    for subject, person, unit in (("person", f.person, None), ("unit", None, f.unit)):
        if person is None and unit is None:
            continue
        rule = _rule_for(policy, f.trigger, [], subject)
        if rule is not None:
            made.append(
                _create(policy, d, rule, person=person, unit=unit, on=f.on, loss=Decimal(0), factors=[], what=f.what,
                        position=position + len(made) + 1)
            )  # fmt: skip
    return made


# -- the panel confirms -----------------------------------------------------------------------------


def _sanction(complaint: Complaint, pk: int) -> Sanction:
    s = (
        Sanction.objects.select_related("person", "unit", "confirmed_by__unit")
        .filter(complaint=complaint, pk=pk)
        .first()
    )
    if s is None:
        raise NotFound(_("本件没有这项处理"), sanction=pk)
    return s


def _kind(policy: SanctionPolicy, code: str | None, field: str = "kind") -> str | None:
    if code is None:
        return None
    if code not in {t.code for t in policy.types}:
        raise ValidationFailed(
            _("「%(code)s」不是预设的处理方式") % {"code": code}, field=field, allowed=[t.code for t in policy.types]
        )
    return code


def _who(s: Sanction) -> str:
    return str(s.person) if s.person is not None else s.unit.name if s.unit is not None else ""


def _payload(s: Sanction, **more: Any) -> dict[str, Any]:
    return {
        "sanction": s.pk,
        "subject": _who(s),
        "kind": s.kind,
        "fine": s.fine,
        "points": s.points,
        "status": s.status,
        **more,
    }


@transaction.atomic(durable=True)
def confirm(*, actor: User, number: str, sanction: int, data: ConfirmIn) -> Sanction:
    complaint, before = begin(actor, number, "confirm_sanction", data)
    s = _sanction(complaint, sanction)
    if s.person_id is not None and s.person_id == actor.pk:
        raise NotPermitted(_("被处理人不能确认对自己的处理，须回避"), code="recusal_required")
    if s.status != SanctionStatus.PROPOSED:
        raise Conflict(_("这项处理已确认，不能再次确认"), code="confirmed", status=s.status)
    policy = active().accountability.sanctions
    rule = policy.rule(s.rule)
    if data.factors is not None and rule is not None:
        s.factors = factors(policy, data.factors, "factors")
        nth, in_year = history(policy, rule, s.person, s.unit, s.breach_on, before=s.pk)
        loss = _loss(s)
        p = engine(policy, Breach(rule=rule, nth=nth, in_year=in_year, loss=loss, factors=tuple(s.factors),
                                  what=s.what))  # fmt: skip
        s.proposed, s.trail = p.figures, p.trail
        s.kind, s.fine, s.points, s.consequences = p.kind, p.fine, p.points, p.consequences
    _settle(policy, s, data.kind, data.fine, data.points, data.waive, data.reason, "认定小组")
    s.status = SanctionStatus.WAIVED if s.kind == "" else SanctionStatus.CONFIRMED
    s.confirmed_by, s.confirmed_at = actor, timezone.now()
    if s.status == SanctionStatus.CONFIRMED:
        s.appeal_ends = calendar().add_working_days(timezone.localdate(), policy.appeal_working_days)
    s.save()
    finish(complaint, actor=actor, action="confirm_sanction", before=before, note=s.change_reason,
           payload=_payload(s, appeal_ends=s.appeal_ends, trail=s.trail))  # fmt: skip
    return s


def _loss(s: Sanction) -> Decimal:
    if s.trigger != "liable":
        return Decimal(0)
    share = s.determination.shares.filter(_subject_q(s.person, s.unit)).first()
    return share.amount if share is not None else Decimal(0)


def _settle(policy: SanctionPolicy, s: Sanction, kind: str | None, fine: Money, points: Money, waive: bool,
            reason: str, who: str) -> None:  # fmt: skip
    """Apply the panel's (or the appeal's) figures where they differ from the engine's, with the
    reason on the trail; a change without a reason is refused."""
    reason = reason.strip()
    new_kind = "" if waive else _kind(policy, kind)
    new_fine = money(fine, 0, "fine") if fine is not None and str(fine).strip() != "" else None
    new_points = money(points, 0, "points") if points is not None and str(points).strip() != "" else None
    changed: list[str] = []
    if new_kind is not None and new_kind != s.kind:
        if new_kind:
            t = policy.type(new_kind)
            s.kind, s.consequences = new_kind, list(t.consequences)
            changed.append(f"处理方式改为「{t.name}」")
        else:
            s.kind, s.fine, s.points, s.consequences = "", Decimal(0), Decimal(0), []
            changed.append("不予处理")
    if s.kind and new_fine is not None and new_fine != s.fine:
        s.fine = new_fine
        changed.append(f"罚款改为{amount(new_fine)}元")
    if s.kind and new_points is not None and new_points != s.points:
        s.points = new_points
        changed.append(f"扣分改为{amount(new_points)}分")
    if changed and not reason:
        raise ValidationFailed(_("变更或不予处理须说明理由"), field="reason")
    if changed:
        s.change_reason = reason
        s.trail = [*s.trail, f"{who}{'，'.join(changed)}，理由：{reason}"]


# -- the appeal -------------------------------------------------------------------------------------


def _may_appeal(actor: User, s: Sanction) -> bool:
    if s.person_id is not None:
        return s.person_id == actor.pk
    unit = s.unit
    return unit is not None and (unit.head_id == actor.pk or (actor.role == Role.HEAD and actor.unit_id == unit.pk))


def appealable(actor: User) -> Any:
    """The sanctions ``actor`` may appeal or has appealed: their own, and their unit's as its head."""
    mine = Q(person=actor)
    if actor.unit_id is not None:
        mine |= Q(unit__head=actor, person__isnull=True)
        if actor.role == Role.HEAD:
            mine |= Q(unit_id=actor.unit_id, person__isnull=True)
    return Sanction.objects.filter(mine)


@transaction.atomic(durable=True)
def appeal(*, actor: User, sanction: int, data: AppealIn) -> Sanction:
    """The sanctioned person's appeal (a unit's: its head's), within the window: outside their own
    sanctions nothing is found (404); a sanction not confirmed, appealed already or past its window
    is a conflict (409)."""
    s = appealable(actor).filter(pk=sanction).first()
    if s is None:
        raise NotFound(_("没有这项处理，或不是对您（您的单位）的处理"), sanction=sanction)
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=s.complaint_id)
    s = Sanction.objects.select_for_update(of=("self",)).get(pk=s.pk)
    if s.status == SanctionStatus.PROPOSED:
        raise Conflict(_("这项处理尚未经认定小组确认，不能申诉"), code="not_confirmed")
    if s.status != SanctionStatus.CONFIRMED:
        raise Conflict(_("这项处理已申诉或已有结论，不能再申诉"), code="not_appealable", status=s.status)
    if not s.appeal_open(timezone.localdate()):
        ends = s.appeal_ends
        raise Conflict(
            _("申诉期已于%(day)s届满，不能再申诉")
            % {"day": f"{ends.year}年{ends.month}月{ends.day}日" if ends else "—"},
            code="out_of_time",
        )
    reason = data.reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写申诉理由"), field="reason")
    Appeal.objects.create(sanction=s, appellant=actor, reason=reason, filed_at=timezone.now())
    s.status = SanctionStatus.APPEALED
    s.save(update_fields=["status"])
    finish(complaint, actor=actor, action="appeal_sanction", before=complaint.status, note=reason, payload=_payload(s))
    return s


def above(actor: User, s: Sanction) -> str | None:
    """Why ``actor`` may not decide the appeal on ``s``, or None: the decision belongs to the level
    above the panel that confirmed it — a head or panel member of a unit over the panel's unit."""
    panel_unit = s.confirmed_by.unit if s.confirmed_by is not None else None
    if panel_unit is None or actor.unit is None:
        return _("申诉由作出处理的认定小组的上一级决定")
    if not (panel_unit.path.startswith(actor.unit.path) and actor.unit.path != panel_unit.path):
        return _("申诉由作出处理的认定小组的上一级决定，%(unit)s不是其上级") % {"unit": actor.unit.name}
    if actor.pk in (s.person_id, s.confirmed_by_id) or actor.pk == s.appeal.appellant_id:
        return _("申诉人、被处理人和原认定人须回避")
    return None


@transaction.atomic(durable=True)
def decide_appeal(*, actor: User, number: str, sanction: int, data: DecideAppealIn) -> Sanction:
    complaint, before = begin(actor, number, "decide_appeal", data)
    s = _sanction(complaint, sanction)
    if s.status != SanctionStatus.APPEALED:
        raise Conflict(_("这项处理没有待决定的申诉"), code="no_appeal", status=s.status)
    why = above(actor, s)
    if why:
        raise NotPermitted(why, code="not_above")
    decision = data.decision.strip()
    if not decision:
        raise ValidationFailed(_("请填写决定理由"), field="decision")
    policy = active().accountability.sanctions
    today = timezone.localdate()
    if data.outcome == AppealOutcome.CHANGED:
        before_figures = (s.kind, s.fine, s.points)
        _settle(policy, s, data.kind, data.fine, data.points, False, decision, "申诉决定")
        if (s.kind, s.fine, s.points) == before_figures:
            raise ValidationFailed(_("变更处理须给出与原处理不同的处理方式、罚款或扣分"), field="outcome")
    if data.outcome == AppealOutcome.OVERTURNED:
        s.status = SanctionStatus.OVERTURNED
        s.trail = [*s.trail, f"申诉决定撤销处理，理由：{decision}（本决定为最终决定）"]
    else:
        s.status, s.effective_on = SanctionStatus.FINAL, today
        if data.outcome == AppealOutcome.UPHELD:
            s.trail = [*s.trail, f"申诉决定维持原处理，理由：{decision}（本决定为最终决定）"]
        else:
            s.trail = [*s.trail[:-1], s.trail[-1] + "（本决定为最终决定）"]
    s.save()
    Appeal.objects.filter(sanction=s).update(
        outcome=data.outcome, decision=decision, decided_by=actor, decided_at=timezone.now()
    )
    finish(complaint, actor=actor, action="decide_appeal", before=before, note=decision,
           payload=_payload(s, outcome=data.outcome, final=True))  # fmt: skip
    return s


# -- in effect --------------------------------------------------------------------------------------


def finalise_due(today: dt.date | None = None) -> int:
    """Confirmed sanctions whose appeal window has passed without an appeal become final, in effect
    from the day after the window; each on its complaint's record. Returns how many."""
    today = today or timezone.localdate()
    done = 0
    due = Sanction.objects.filter(status=SanctionStatus.CONFIRMED, appeal_ends__lt=today).values_list(
        "pk", "complaint_id"
    )
    for pk, complaint_pk in list(due):
        with transaction.atomic():
            found = begin_system(complaint_pk, "finalise_sanction")
            s = Sanction.objects.select_for_update(of=("self",)).get(pk=pk)
            if found is None or s.status != SanctionStatus.CONFIRMED or s.appeal_ends is None:
                continue
            complaint, before = found
            s.status, s.effective_on = SanctionStatus.FINAL, s.appeal_ends + dt.timedelta(days=1)
            s.save(update_fields=["status", "effective_on"])
            finish(complaint, actor=None, action="finalise_sanction", before=before,
                   payload=_payload(s, effective_on=s.effective_on))  # fmt: skip
            done += 1
    return done
