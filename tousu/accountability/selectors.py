"""A complaint's responsibility determination as the API and the page show it: names, not codes,
with each share's percentage and apportioned amount, and the deadline the preset sets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accountability.models import Determination, Sanction, SanctionStatus
from tousu.accountability.money import shown
from tousu.calendar.store import current as calendar
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.presets.accountability import TRIGGER_LABELS


class ShareRow(TypedDict):
    unit: Annotated[str | None, Field(description="责任单位代码")]
    unit_name: str
    person: Annotated[str | None, Field(description="责任人用户名")]
    person_name: str
    percent: Annotated[str, Field(description="责任份额（%）；除不尽的以…结尾，如 33.33…")]
    amount: Annotated[Decimal, Field(description="分摊的损失金额（元）；各项之和恰为损失金额")]


class AppealRow(TypedDict):
    appellant: str
    reason: str
    filed_at: dt.datetime
    outcome: Annotated[str, Field(description="upheld 维持、changed 变更、overturned 撤销；未决定为空")]
    outcome_name: str
    decision: str
    decided_by: str
    decided_at: dt.datetime | None
    final: Annotated[bool, Field(description="已作出决定：该决定为最终决定")]


class SanctionRow(TypedDict):
    id: int
    number: Annotated[str, Field(description="投诉编号")]
    unit: str | None
    unit_name: str
    person: str | None
    person_name: str
    rule: str
    rule_name: str
    trigger: str
    trigger_name: Annotated[str, Field(description="事由：有责投诉，或签收超期、超期办理等办理过错")]
    breach_on: dt.date
    what: str
    factors: list[str]
    factor_names: list[str]
    kind: Annotated[str, Field(description="处理方式代码；免予追究或不予处理为空")]
    kind_name: str
    fine: Annotated[Decimal, Field(description="罚款（元）")]
    points: Annotated[Decimal, Field(description="扣分")]
    consequences: list[str]
    proposed: Annotated[dict[str, Any], Field(description="处理规定计算的结果（认定小组变更前）")]
    trail: Annotated[list[str], Field(description="计算过程：每一步依据的规则和得出的数字")]
    status: Annotated[
        str,
        Field(
            description="proposed 拟处理、confirmed 申诉期内、appealed 申诉中、final 已生效、overturned 已撤销、waived 不予处理"
        ),
    ]
    status_name: str
    in_effect: bool
    change_reason: str
    confirmed_by: str
    appeal_ends: Annotated[dt.date | None, Field(description="申诉截止日期")]
    appeal_open: Annotated[bool, Field(description="已确认且在申诉期内：被处理人现在可以申诉")]
    effective_on: dt.date | None
    appeal: AppealRow | None


class MySanctions(TypedDict):
    items: list[SanctionRow]


class DeterminationRow(TypedDict):
    id: int
    liable: bool
    reasons: list[str]
    reason_names: list[str]
    loss: Decimal
    shares: list[ShareRow]
    panel: Annotated[list[str], Field(description="认定小组成员姓名")]
    decided_on: dt.date
    note: str
    recorded_by: str
    due: Annotated[dt.date | None, Field(description="预设规定的认定期限（办结后若干工作日）；未规定为空")]
    late: bool
    sanctions: Annotated[list[SanctionRow], Field(description="处理规定提出的处理及其计算过程、确认、申诉和生效情况")]


def due_on(c: Complaint) -> dt.date | None:
    """The day by which the determination is due: the preset's working days after closure."""
    days = active().accountability.due_working_days
    if days is None or c.closed_at is None:
        return None
    return calendar().add_working_days(timezone.localdate(c.closed_at), days)


def determination_of(c: Complaint) -> DeterminationRow | None:
    d = (
        Determination.objects.filter(complaint=c, superseded=False)
        .select_related("recorded_by")
        .prefetch_related("panel", "shares__unit", "shares__person")
        .first()
    )
    if d is None:
        return None
    preset = active().accountability
    names = {r.code: r.name for r in (*preset.liable_reasons, *preset.not_liable_reasons)}
    due = due_on(c)
    return {
        "id": d.pk,
        "liable": d.liable,
        "reasons": list(d.reasons),
        "reason_names": [names.get(code, code) for code in d.reasons],
        "loss": d.loss,
        "shares": [
            {
                "unit": s.unit.code if s.unit else None,
                "unit_name": s.unit.name if s.unit else "",
                "person": s.person.username if s.person else None,
                "person_name": str(s.person) if s.person else "",
                "percent": shown(Fraction(s.numerator, s.denominator)),
                "amount": s.amount,
            }
            for s in d.shares.all()
        ],
        "panel": [str(u) for u in sorted(d.panel.all(), key=lambda u: u.pk)],
        "decided_on": d.decided_on,
        "note": d.note,
        "recorded_by": str(d.recorded_by),
        "due": due,
        "late": due is not None and d.decided_on > due,
        "sanctions": sanction_rows(Sanction.objects.filter(determination=d)),
    }


def sanction_rows(sanctions: QuerySet[Sanction]) -> list[SanctionRow]:
    policy = active().accountability.sanctions
    kinds = {t.code: t.name for t in policy.types}
    consequences = {c.code: c.name for c in policy.consequences}
    rows: list[SanctionRow] = []
    today = timezone.localdate()
    related = ("unit", "person", "confirmed_by", "appeal__appellant", "appeal__decided_by")
    for s in sanctions.select_related(*related).annotate(number=F("complaint__number")):
        appeal = getattr(s, "appeal", None)
        rows.append(
            {
                "id": s.pk,
                "number": s.number,
                "unit": s.unit.code if s.unit else None,
                "unit_name": s.unit.name if s.unit else "",
                "person": s.person.username if s.person else None,
                "person_name": str(s.person) if s.person else "",
                "rule": s.rule,
                "rule_name": r.name if (r := policy.rule(s.rule)) else s.rule,
                "trigger": s.trigger,
                "trigger_name": gettext(TRIGGER_LABELS.get(s.trigger, s.trigger)),
                "breach_on": s.breach_on,
                "what": s.what,
                "factors": list(s.factors),
                "factor_names": [f.name if (f := policy.factor(c)) else c for c in s.factors],
                "kind": s.kind,
                "kind_name": kinds.get(s.kind, s.kind) if s.kind else gettext("免予处理"),
                "fine": s.fine,
                "points": s.points,
                "consequences": [consequences.get(c, c) for c in s.consequences],
                "proposed": dict(s.proposed),
                "trail": list(s.trail),
                "status": s.status,
                "status_name": s.get_status_display(),
                "in_effect": s.status == SanctionStatus.FINAL,
                "change_reason": s.change_reason,
                "confirmed_by": str(s.confirmed_by) if s.confirmed_by else "",
                "appeal_ends": s.appeal_ends,
                "appeal_open": s.appeal_open(today),
                "effective_on": s.effective_on,
                "appeal": None
                if appeal is None
                else {
                    "appellant": str(appeal.appellant),
                    "reason": appeal.reason,
                    "filed_at": appeal.filed_at,
                    "outcome": appeal.outcome,
                    "outcome_name": appeal.get_outcome_display() if appeal.outcome else "",
                    "decision": appeal.decision,
                    "decided_by": str(appeal.decided_by) if appeal.decided_by else "",
                    "decided_at": appeal.decided_at,
                    "final": bool(appeal.outcome),
                },
            }
        )
    return rows


def unsettled(c: Complaint) -> int:
    """The sanctions of ``c`` not yet settled: awaiting the panel, in their appeal window or appealed."""
    open_ = (SanctionStatus.PROPOSED, SanctionStatus.CONFIRMED, SanctionStatus.APPEALED)
    return Sanction.objects.filter(complaint=c, status__in=open_).count()


def visible_to_subject(actor: Any) -> QuerySet[Sanction]:
    """The confirmed sanctions on ``actor`` (a head: on their unit too), newest first — what the
    sanctioned see of them, for their appeal. A proposal the panel has not confirmed is not shown."""
    from tousu.accountability.sanctions import appealable

    return appealable(actor).exclude(status=SanctionStatus.PROPOSED).order_by("-breach_on", "-pk")
