"""Recording a responsibility determination (责任认定, SPEC §10, issue 15 §1).

The panel (责任认定小组, seed 003-03) decides, after the complaint is closed, whether it is liable
(有责) with the preset's reason codes (seed 003-26 / 003-28), which units and persons answer for it
with their shares — exactly 100 % together — and how the loss is apportioned among them, to the
cent (``money.apportion``). A panel member who must stay out of the case (the person complained
about, one marked in conflict, or one named as responsible) cannot sit on it. One determination
stands per complaint; it is on the complaint's record as ``determine``, with the sanctions the
policy engine proposes for it (``sanctions.propose``).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accountability import sanctions
from tousu.accountability.models import Determination, Share
from tousu.accountability.money import HUNDRED, apportion, parse_percent, shown
from tousu.accounts.models import Unit, User
from tousu.complaints.access import recusal_reason, recused
from tousu.complaints.inputs import Day, Input
from tousu.complaints.models import Substantiated
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, finish
from tousu.core.errors import Conflict, ValidationFailed
from tousu.solution.services import money


class ShareIn(Input):
    unit: str = Field("", max_length=64, description="责任单位代码（与 person 二选一）")
    person: str = Field("", max_length=150, description="责任人用户名（与 unit 二选一）")
    percent: str = Field(max_length=20, description="责任份额（%），如 60、33.33 或 100/3；各项之和须恰为 100")
    factors: list[str] = Field(
        default_factory=list, max_length=10, description="认定的从重、从轻或免予追究情节代码（预设的处理规定）"
    )


class DeterminationIn(Input):
    liable: bool = Field(description="true 有责，false 无责")
    reasons: list[str] = Field(min_length=1, max_length=10, description="预设的认定理由代码")
    loss: str | int | float = Field("0", description="损失金额（元），非负，最多12位整数、2位小数；有责时按份额分摊")
    shares: list[ShareIn] = Field(default_factory=list, max_length=20, description="有责时的责任单位和责任人")
    panel: list[str] = Field(min_length=1, max_length=15, description="认定小组成员的用户名")
    decided_on: Day | None = Field(None, description="认定日期，默认今天")
    note: str = Field("", max_length=5000, description="认定说明")


def _reasons(liable: bool, codes: list[str]) -> list[str]:
    preset = active().accountability
    known = {r.code for r in (preset.liable_reasons if liable else preset.not_liable_reasons)}
    for code in codes:
        if code not in known:
            raise ValidationFailed(
                _("「%(code)s」不是%(kind)s的认定理由") % {"code": code, "kind": _("有责") if liable else _("无责")},
                field="reasons",
                allowed=sorted(known),
            )
    if len(set(codes)) != len(codes):
        raise ValidationFailed(_("认定理由重复"), field="reasons")
    return codes


Found = tuple[Unit | None, User | None, Fraction, list[str]]


def _shares(data: DeterminationIn) -> list[Found]:
    if not data.liable:
        if data.shares:
            raise ValidationFailed(_("无责认定不列责任单位和责任人"), field="shares")
        return []
    if not data.shares:
        raise ValidationFailed(_("有责认定须列出责任单位或责任人及其份额"), field="shares")
    found: list[Found] = []
    seen: set[tuple[str, str]] = set()
    for n, s in enumerate(data.shares, start=1):
        where: dict[str, Any] = {"field": "shares", "position": n}
        if bool(s.unit.strip()) == bool(s.person.strip()):
            raise ValidationFailed(_("第%(n)d项须填写责任单位或责任人之一") % {"n": n}, **where)
        key = (s.unit.strip(), s.person.strip())
        if key in seen:
            raise ValidationFailed(_("第%(n)d项与前面重复") % {"n": n}, **where)
        seen.add(key)
        unit = Unit.objects.filter(code=key[0], active=True).first() if key[0] else None
        person = User.objects.filter(username=key[1], is_active=True).first() if key[1] else None
        if key[0] and unit is None:
            raise ValidationFailed(_("第%(n)d项：单位「%(code)s」不存在或已停用") % {"n": n, "code": key[0]}, **where)
        if key[1] and person is None:
            raise ValidationFailed(_("第%(n)d项：用户「%(name)s」不存在或已停用") % {"n": n, "name": key[1]}, **where)
        percent = parse_percent(s.percent)
        if percent is None:
            raise ValidationFailed(
                _("第%(n)d项：份额须为大于0、不超过100的百分数，如 60、33.33 或 100/3") % {"n": n}, **where
            )
        policy = active().accountability.sanctions
        found.append((unit, person, percent, sanctions.factors(policy, s.factors, "shares", position=n)))
    total = sum((p for _u, _p, p, _f in found), Fraction(0))
    if total != HUNDRED:
        raise ValidationFailed(
            _("各项责任份额之和须恰为100%%，现为%(total)s%%") % {"total": shown(total)},
            field="shares",
            total=shown(total),
        )
    return found


def _panel(complaint: Any, names: list[str], responsible: set[int]) -> list[User]:
    people = recused(complaint)
    members: list[User] = []
    for name in dict.fromkeys(n.strip() for n in names):
        user = User.objects.filter(username=name, is_active=True).first()
        if user is None:
            raise ValidationFailed(_("认定小组成员「%(name)s」不存在或已停用") % {"name": name}, field="panel")
        why = recusal_reason(complaint, user, people)
        if why is None and user.pk in responsible:
            why = _("%(user)s 是被认定的责任人，须回避") % {"user": user}
        if why is not None:
            raise ValidationFailed(why, field="panel", user=name)
        members.append(user)
    return members


def _day(value: dt.date | None, closed: dt.datetime | None) -> dt.date:
    today = timezone.localdate()
    day = value or today
    if day > today:
        raise ValidationFailed(_("认定日期不能晚于今天"), field="decided_on")
    if closed is not None and day < timezone.localdate(closed):
        raise ValidationFailed(_("认定日期不能早于办结日期"), field="decided_on")
    return day


@transaction.atomic(durable=True)
def determine(*, actor: User, number: str, data: DeterminationIn) -> Determination:
    """Record the panel's determination on a closed complaint: 404 outside the actor's scope, 403
    for a role other than the panel's, 409 where one stands already or the case is not closed, 422
    for bad input (nothing written)."""
    complaint, before = begin(actor, number, "determine", data)
    if Determination.objects.filter(complaint=complaint, superseded=False).exists():
        raise Conflict(_("本件已作出责任认定；如有异议，由被认定人向上一级申请重新认定"), code="determined")
    if data.liable and complaint.substantiated == Substantiated.NO:
        raise ValidationFailed(_("投诉经核实不属实，不能认定为有责"), field="liable")
    reasons = _reasons(data.liable, data.reasons)
    loss = money(data.loss, 0, "loss")
    if loss and not data.liable:
        raise ValidationFailed(_("无责认定不分摊损失，损失金额须为0"), field="loss")
    shares = _shares(data)
    members = _panel(complaint, data.panel, {p.pk for _u, p, _s, _f in shares if p is not None})
    determination = Determination.objects.create(
        complaint=complaint,
        liable=data.liable,
        reasons=reasons,
        loss=loss,
        note=data.note.strip(),
        decided_on=_day(data.decided_on, complaint.closed_at),
        recorded_by=actor,
    )
    determination.panel.set(members)
    amounts = apportion(loss, [p for _u, _p, p, _f in shares])
    Share.objects.bulk_create(
        Share(
            determination=determination,
            position=n,
            unit=unit,
            person=person,
            numerator=percent.numerator,
            denominator=percent.denominator,
            amount=amount,
        )
        for n, ((unit, person, percent, _f), amount) in enumerate(zip(shares, amounts, strict=True), start=1)
    )
    proposed = sanctions.propose(
        determination, [(u, p, amount, f) for (u, p, _s, f), amount in zip(shares, amounts, strict=True)]
    )
    finish(
        complaint,
        actor=actor,
        action="determine",
        before=before,
        note=determination.note,
        payload={
            "determination": determination.pk,
            "liable": data.liable,
            "reasons": reasons,
            "loss": loss,
            "shares": [
                {
                    "unit": unit.code if unit else None,
                    "person": person.username if person else None,
                    "percent": shown(percent),
                    "amount": amount,
                }
                for (unit, person, percent, _f), amount in zip(shares, amounts, strict=True)
            ],
            "panel": [u.username for u in members],
            "sanctions": [{"sanction": x.pk, "rule": x.rule, "kind": x.kind, "points": x.points} for x in proposed],
        },
    )
    return determination
