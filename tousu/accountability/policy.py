"""The sanction policy engine (SPEC §10, issue 15 §2): what one breach brings its subject, worked
out from the preset's policy alone, with the trail of rules that produced each figure.

The steps, each a line of the trail:

1. the rule's sanction type, with the rule's fine and points where it sets them, else the type's;
2. an exempting circumstance (seed 004-115: the client falsified the facts, no rule applies) ends
   it there: no sanction;
3. the n-th breach of the same rule by the same subject in the period multiplies the points and
   the fine (seed 000-123: 「双倍扣分，以此类推」, a ``Progression``);
4. a share of the subject's apportioned loss becomes points (seed 000-124/125: 50 % the first
   time, 100 % the second);
5. aggravation (the year's n-th sanction, seed 004-111; favouritism, obstruction, retaliation,
   004-112/113) steps up the list of types, mitigation (prompt self-correction, 004-114) steps
   down; both together cancel out. A step up never lowers a figure, a step down never raises one.

It reads no database: the caller counts the subject's history (``Breach.nth``, ``Breach.in_year``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tousu.presets.accountability import TRIGGER_LABELS, SanctionPolicy, SanctionRule, SanctionType

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Breach:
    rule: SanctionRule
    nth: int = 1  # this breach's number for this rule, subject and period
    in_year: int = 1  # the subject's sanctions in the year up to and including this one
    loss: Decimal = Decimal(0)  # the subject's apportioned loss (元)
    factors: tuple[str, ...] = ()  # the panel's findings: aggravating, mitigating, exempting codes
    what: str = ""  # the breach in words, for the trail's first line


@dataclass
class Proposal:
    kind: str  # the sanction type's code; "" where exempt
    fine: Decimal
    points: Decimal
    consequences: list[str]
    trail: list[str] = field(default_factory=list)

    @property
    def figures(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "fine": str(self.fine),
            "points": str(self.points),
            "consequences": self.consequences,
        }


def amount(value: Decimal) -> str:
    """400 → "400", 412.5 → "412.50": money and points as a ledger writes them."""
    value = value.quantize(CENT)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def _figures(kind: SanctionType, fine: Decimal, points: Decimal) -> str:
    parts = [f"「{kind.name}」"]
    if fine:
        parts.append(f"罚款{amount(fine)}元")
    if points:
        parts.append(f"扣{amount(points)}分")
    return "，".join(parts)


def multiplier(policy: SanctionPolicy, nth: int) -> Decimal:
    """The progression's factor for the ``nth`` breach in the period (1 for the first)."""
    p = policy.progression
    if p.kind == "none" or nth <= 1:
        return Decimal(1)
    if p.kind == "linear":
        return Decimal(nth)
    return p.factor ** (nth - 1)


def propose(policy: SanctionPolicy, breach: Breach) -> Proposal:
    rule = breach.rule
    types = list(policy.types)
    kind = policy.type(rule.sanction)
    fine = rule.fine if rule.fine is not None else kind.fine
    points = rule.points if rule.points is not None else kind.points
    trail = [
        f"适用规则「{rule.name}」（{TRIGGER_LABELS[rule.trigger]}"
        + (f"：{breach.what}" if breach.what else "")
        + f"）：{_figures(kind, fine, points)}"
        + (f"（依据：{rule.source}）" if rule.source else "")
    ]
    exempt = [policy.factor(c) for c in breach.factors if c in {f.code for f in policy.exempting}]
    if exempt:
        names = "；".join(f.name for f in exempt if f is not None)
        trail.append(f"免予追究：{names}")
        return Proposal(kind="", fine=Decimal(0), points=Decimal(0), consequences=[], trail=trail)

    factor = multiplier(policy, breach.nth)
    if factor != 1:
        period = {"month": "本月", "quarter": "本季度", "year": "本年度"}[policy.progression.period]
        multiplies = policy.progression.multiplies
        if "points" in multiplies:
            points *= factor
        if "fine" in multiplies:
            fine *= factor
        trail.append(
            f"{period}第{breach.nth}次同类过错：×{amount(factor)}"
            + (f"（{policy.progression.source}）" if policy.progression.source else "")
            + f"，为{_figures(kind, fine, points)}"
        )

    if rule.loss_percent and breach.loss:
        percent = rule.loss_percent[min(breach.nth, len(rule.loss_percent)) - 1]
        extra = (breach.loss * percent / 100).quantize(CENT, ROUND_HALF_UP)  # 四舍五入
        points += extra
        trail.append(
            f"造成经济损失{amount(breach.loss)}元，按{amount(percent)}%折算扣{amount(extra)}分，共扣{amount(points)}分"
        )

    up: list[str] = []
    if policy.repeat_in_year is not None and breach.in_year >= policy.repeat_in_year:
        up.append(f"一年内第{breach.in_year}次受到责任追究")
    up += [f.name for f in policy.aggravating if f.code in breach.factors]
    down = [f.name for f in policy.mitigating if f.code in breach.factors]
    steps = (policy.steps if up else 0) - (policy.steps if down else 0)
    at = types.index(kind)
    to = min(max(at + steps, 0), len(types) - 1)
    if up or down:
        why = "；".join([*(f"从重：{u}" for u in up), *(f"从轻：{d}" for d in down)])
        if to == at:
            limit = "已为最重的处理方式" if steps > 0 else "已为最轻的处理方式" if steps < 0 else "从重与从轻相抵"
            trail.append(f"{why}（{limit}，处理方式不变）")
        else:
            new = types[to]
            if to > at:
                fine, points = max(fine, new.fine), max(points, new.points)
            else:
                fine, points = min(fine, new.fine), min(points, new.points)
            kind = new
            trail.append(f"{why}，{'提高' if to > at else '降低'}为{_figures(kind, fine, points)}")
    return Proposal(
        kind=kind.code,
        fine=fine.quantize(CENT),
        points=points.quantize(CENT),
        consequences=list(kind.consequences),
        trail=trail,
    )
