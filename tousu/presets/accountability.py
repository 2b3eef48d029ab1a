"""The accountability section of a preset (SPEC §10, ``tousu.accountability``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, PositiveInt, model_validator

from tousu.presets.fields import Code, Reason, SourceText, Strict, Text, gettext_noop

# Seed 003's lists (Appendix 5.7 of research/seeds-crosscheck.md), the default of every preset.
DEFAULT_LIABLE = (
    Reason(code="staff_error", name="解释不清或工作人员失误", source="003-26（一）；其他预设沿用为默认值"),
    Reason(code="attitude", name="服务态度恶劣", source="003-26（二）；其他预设沿用为默认值"),
    Reason(code="procedure", name="不按规范服务或违反从业操守", source="003-26（三）；其他预设沿用为默认值"),
    Reason(code="wrong_operation", name="操作错误引发资费争议", source="003-26（四）；其他预设沿用为默认值"),
    Reason(code="unfamiliar", name="业务不熟悉导致服务超时", source="003-26（五）；其他预设沿用为默认值"),
)
DEFAULT_NOT_LIABLE = (
    Reason(code="process_gap", name="业务流程不完善", source="003-28（一）；其他预设沿用为默认值"),
    Reason(code="technical", name="技术限制或故障", source="003-28（二）；其他预设沿用为默认值"),
    Reason(code="staffing", name="人员不足导致处理不及时", source="003-28（三）；其他预设沿用为默认值"),
    Reason(code="misunderstanding", name="客户挑剔、误会或不了解有关规定", source="003-28（四）；其他预设沿用为默认值"),
)


# What a sanction rule answers for (SPEC §10, seeds 000-41, 002-57…80, 003-18): the determination
# found the subject liable, or the deadline history shows a process failure by the person who held
# the case at the time (tousu.accountability.failures).
Trigger = Literal["liable", "late_sign", "overrun", "late_follow_up", "shelved", "caused_repeat", "caused_skip_level"]
TRIGGER_LABELS: dict[str, str] = {
    "liable": gettext_noop("有责投诉"),
    "late_sign": gettext_noop("签收超期"),
    "overrun": gettext_noop("超期办理且未经批准延期"),
    "late_follow_up": gettext_noop("回访超期"),
    "shelved": gettext_noop("搁置拖延"),
    "caused_repeat": gettext_noop("拖延导致重复投诉"),
    "caused_skip_level": gettext_noop("拖延导致越级投诉"),
}


class Consequence(Strict):
    """What follows a sanction besides its fine and points (seed 004-107…110): the bonus withheld,
    no 优秀 in the year's appraisal, the unit barred from 先进集体, training, transfer, referral."""

    code: Code
    name: Text
    source: SourceText = ""


class SanctionType(Strict):
    """One kind of sanction; the list runs from the lightest to the heaviest, so that aggravation
    steps up it and mitigation steps down (seed 004-105…111)."""

    code: Code
    name: Text
    fine: Decimal = Field(Decimal(0), ge=0, decimal_places=2)  # 元; the lower end where the seed gives a range
    fine_max: Decimal | None = Field(None, ge=0, decimal_places=2)  # the upper end the panel may go to
    points: Decimal = Field(Decimal(0), ge=0, decimal_places=2)  # points deducted (扣分)
    consequences: tuple[Code, ...] = ()
    source: SourceText = ""


class SanctionRule(Strict):
    """What a breach brings: the sanction type, and the fine and points where they differ from the
    type's. ``reasons``: for ``liable``, only determinations on these reason codes (none: any).
    ``loss_percent``: points equal to this percentage of the subject's apportioned loss, by the
    breach's number in the period (seed 000-124/125: 50 % the first time, 100 % the second)."""

    code: Code
    name: Text
    trigger: Trigger
    reasons: tuple[Code, ...] = ()
    sanction: Code
    fine: Decimal | None = Field(None, ge=0, decimal_places=2)
    points: Decimal | None = Field(None, ge=0, decimal_places=2)
    loss_percent: tuple[Decimal, ...] = ()
    subjects: tuple[Literal["person", "unit"], ...] = ("person", "unit")
    # The head of a responsible person's unit answers too (seed 000-122: 「扣减部门负责人B分2分/条」,
    # 000-125: 「部门负责人承担5%责任」): points per breach, and a percentage of the person's loss.
    head_points: Decimal | None = Field(None, gt=0, decimal_places=2)
    head_loss_percent: Decimal | None = Field(None, gt=0, le=100, decimal_places=2)
    head_sanction: Code | None = None  # the head's sanction type; none: the rule's
    source: SourceText = ""

    @property
    def for_head(self) -> SanctionRule | None:
        """The rule the head of the person's unit answers under, or None."""
        if self.head_points is None and self.head_loss_percent is None:
            return None
        return self.model_copy(
            update={
                "code": f"{self.code}.head"[:40],
                "sanction": self.head_sanction or self.sanction,
                "name": f"{self.name}（部门负责人）",
                "points": self.head_points or Decimal(0),
                "fine": Decimal(0),
                "loss_percent": (self.head_loss_percent,) if self.head_loss_percent else (),
                "head_points": None,
                "head_loss_percent": None,
                "head_sanction": None,
            }
        )


class Progression(Strict):
    """The n-th breach of the same rule by the same subject in the same period multiplies its points
    and fine (seed 000-123: 「双倍扣分，以此类推」): ``geometric`` by ``factor`` for each repeat
    (×1, ×2, ×4 …), ``linear`` n times (×1, ×2, ×3 …), ``none`` not at all."""

    kind: Literal["geometric", "linear", "none"] = "geometric"
    factor: Decimal = Field(Decimal(2), gt=1)
    period: Literal["month", "quarter", "year"] = "month"
    multiplies: tuple[Literal["points", "fine"], ...] = ("points", "fine")
    source: SourceText = ""


class Factor(Strict):
    code: Code
    name: Text
    source: SourceText = ""


def _s(code: str, name: str, source: str, **more: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "source": source, **more}


# The defaults of every preset: seed 004's efficiency-accountability rules (a county government's
# and a hospital's 效能责任追究办法) and seed 000's progression of repeats. Which type a trigger
# brings is ours where the seed gives none; a preset that sets its own lists replaces these.
DEFAULT_TYPES = tuple(
    SanctionType.model_validate(x)
    for x in [
        _s("criticism", "批评教育", "004-105 情节较轻的"),
        _s("verbal_warning", "口头效能告诫", "004-105 情节较轻的"),
        _s("written_warning", "书面效能告诫", "004-106、004-109", consequences=["bonus_warning_period"]),
        _s(
            "notice",
            "通报批评",
            "004-106、004-108、004-110",
            consequences=["month_bonus", "not_excellent", "unit_not_advanced"],
        ),
        _s("training", "责令离岗培训", "004-107 并可视情节", consequences=["month_bonus", "not_excellent"]),
        _s("transfer", "调离原工作岗位", "004-107 并可视情节", consequences=["month_bonus", "not_excellent"]),
        _s("referral", "移送任免机关或纪检监察机关处理", "004-09、004-10、004-55", consequences=["not_excellent"]),
    ]
)
DEFAULT_CONSEQUENCES = tuple(
    Consequence.model_validate(x)
    for x in [
        _s("bonus_warning_period", "扣除告诫期内奖金", "004-109"),
        _s("month_bonus", "扣除当月奖金", "004-108"),
        _s("not_excellent", "当年年度考核不得定为优秀等次", "004-108"),
        _s("unit_not_advanced", "所在部门本年度不得评为先进集体", "004-110"),
    ]
)
DEFAULT_RULES = tuple(
    SanctionRule.model_validate(x)
    for x in [
        _s(
            "liable",
            "有责投诉",
            "004-105；类型为本系统默认值（情节较轻）",
            trigger="liable",
            sanction="verbal_warning",
        ),
        _s(
            "late_sign",
            "签收超期",
            "ours: 种子未规定签收超期的处理，默认批评教育",
            trigger="late_sign",
            sanction="criticism",
            subjects=["person"],
        ),
        _s(
            "overrun",
            "超期办理且未经批准延期",
            "003-18 未经许可超时的，追究相关单位及相关人员责任；类型为本系统默认值",
            trigger="overrun",
            sanction="criticism",
        ),
        _s(
            "late_follow_up",
            "回访超期",
            "002-80 未按时回复、跟踪、回访；类型为本系统默认值",
            trigger="late_follow_up",
            sanction="criticism",
            subjects=["person"],
        ),
        _s(
            "shelved",
            "搁置拖延",
            "000-41 对投诉搁置、拖延的追究责任；类型为本系统默认值",
            trigger="shelved",
            sanction="verbal_warning",
        ),
        _s(
            "caused_repeat",
            "拖延导致重复投诉",
            "002-73、002-76；类型为本系统默认值",
            trigger="caused_repeat",
            sanction="verbal_warning",
            subjects=["person"],
        ),
        _s(
            "caused_skip_level",
            "拖延导致越级投诉",
            "002-73；类型为本系统默认值",
            trigger="caused_skip_level",
            sanction="written_warning",
            subjects=["person"],
        ),
    ]
)
DEFAULT_PROGRESSION = Progression.model_validate(
    {"source": "000-123 相同的错误当月违反第二次的，双倍扣分，以此类推（「以此类推」按每次再翻一倍理解）"}
)
DEFAULT_AGGRAVATING = tuple(
    Factor.model_validate(x)
    for x in [
        _s("favouritism", "徇私舞弊，收受或者变相收受当事人财物", "004-112"),
        _s("obstruction", "干扰、阻碍效能责任调查", "004-113"),
        _s("retaliation", "打击、报复投诉人、举报人", "004-113"),
    ]
)
DEFAULT_MITIGATING = tuple(
    Factor.model_validate(x)
    for x in [_s("self_corrected", "主动、及时纠正过错，未造成损害后果或者不良影响", "004-114")]
)
DEFAULT_EXEMPTING = tuple(
    Factor.model_validate(x)
    for x in [
        _s("falsified", "管理和服务对象弄虚作假，致使工作人员无法正确行使职权", "004-115（一）"),
        _s("no_rule", "法律法规和内部制度未作具体规定，无法认定效能责任", "004-115（二）"),
    ]
)


class SanctionPolicy(Strict):
    """The sanction policy engine's data (tousu.accountability.policy): types, rules, the
    progression of repeats, aggravation, mitigation and exemption, and the appeal window.
    ``repeat_in_year``: the subject's n-th sanction within a year aggravates (seed 004-111:
    「一年内受到两次以上」); ``steps``: how far an aggravation or a mitigation moves along the types."""

    types: tuple[SanctionType, ...] = Field(DEFAULT_TYPES, min_length=1)
    consequences: tuple[Consequence, ...] = DEFAULT_CONSEQUENCES
    rules: tuple[SanctionRule, ...] = DEFAULT_RULES
    progression: Progression = DEFAULT_PROGRESSION
    repeat_in_year: PositiveInt | None = 2
    aggravating: tuple[Factor, ...] = DEFAULT_AGGRAVATING
    mitigating: tuple[Factor, ...] = DEFAULT_MITIGATING
    exempting: tuple[Factor, ...] = DEFAULT_EXEMPTING
    steps: PositiveInt = 1
    # Working days after the sanction is confirmed in which the sanctioned may appeal (申诉).
    appeal_working_days: PositiveInt = 5
    # Points a person earns for a month without a breach, and the head of their unit (seed 000-121:
    # 「每月完成工作无误的，奖励责任人B分100分/月，奖励部门负责人B分30分/月」); none: no rewards.
    clean_month_points: Decimal | None = Field(None, gt=0, decimal_places=2)
    clean_month_head_points: Decimal | None = Field(None, gt=0, decimal_places=2)
    # Working days without any step by the handling unit that count as shelving (搁置).
    shelved_working_days: PositiveInt = 5
    source: SourceText = "004-105至004-115；000-123；申诉期5个工作日、搁置5个工作日为本系统默认值（ours）"

    def type(self, code: str) -> SanctionType:
        return next(t for t in self.types if t.code == code)

    def rule(self, code: str) -> SanctionRule | None:
        """The rule of ``code``, a head's rule (``for_head``) included; None if the preset dropped it."""
        base = code.removesuffix(".head")
        found = next((r for r in self.rules if r.code == base), None)
        return found.for_head if found is not None and code != base else found

    def factor(self, code: str) -> Factor | None:
        return next((f for f in (*self.aggravating, *self.mitigating, *self.exempting) if f.code == code), None)

    @model_validator(mode="after")
    def _known(self) -> SanctionPolicy:
        types = [t.code for t in self.types]
        consequences = {c.code for c in self.consequences}
        factors = [f.code for f in (*self.aggravating, *self.mitigating, *self.exempting)]
        rules = [r.code for r in self.rules]
        for what, codes in (("type", types), ("factor", factors), ("rule", rules)):
            if len(set(codes)) != len(codes):
                raise ValueError(f"sanctions: a {what} code appears twice")
        for t in self.types:
            if t.fine_max is not None and t.fine_max < t.fine:
                raise ValueError(f"sanctions: type {t.code}: fine_max is below fine")
            for c in t.consequences:
                if c not in consequences:
                    raise ValueError(f"sanctions: type {t.code}: unknown consequence {c}")
        for r in self.rules:
            for kind in (r.sanction, r.head_sanction or r.sanction):
                if kind not in types:
                    raise ValueError(f"sanctions: rule {r.code}: unknown sanction type {kind}")
            if r.reasons and r.trigger != "liable":
                raise ValueError(f"sanctions: rule {r.code}: reasons apply to the liable trigger only")
            if not r.subjects:
                raise ValueError(f"sanctions: rule {r.code}: no subjects")
        return self


class Accountability(Strict):
    """Responsibility determination (SPEC §10, tousu.accountability): the reason codes of a liable
    and of a not-liable determination, and the working days after closure it is due in (seed 000-111:
    one working day; none: no deadline), and the sanction policy that follows it."""

    liable_reasons: tuple[Reason, ...] = Field(DEFAULT_LIABLE, min_length=1)
    not_liable_reasons: tuple[Reason, ...] = Field(DEFAULT_NOT_LIABLE, min_length=1)
    due_working_days: PositiveInt | None = None
    sanctions: SanctionPolicy = SanctionPolicy()
    source: SourceText = ""

    @model_validator(mode="after")
    def _distinct(self) -> Accountability:
        codes = [r.code for r in (*self.liable_reasons, *self.not_liable_reasons)]
        if len(set(codes)) != len(codes):
            raise ValueError("accountability: a reason code appears twice")
        liable = {r.code for r in self.liable_reasons}
        for rule in self.sanctions.rules:
            if set(rule.reasons) - liable:
                raise ValueError(f"sanctions: rule {rule.code}: a reason is not a liable reason code")
        return self
