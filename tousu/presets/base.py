"""What a preset is (SPEC §12): typed data, validated on load (STYLE §10).

A preset is read from plain data (dicts and lists, as a YAML or JSON file would give) by
``parse``, which refuses unknown keys and names the preset and the path of every error. This
module knows nothing of complaints: the code that interprets a preset — the deadline arithmetic,
the reference rows, the intake checks — lives in ``tousu.complaints`` and reads the preset in
force only through ``tousu.complaints.preset.active``. Codes that only ``complaints`` can vouch
for (channels, kinds, dispatch modes, reason groups, the flags it sets itself) are checked there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, ValidationError, model_validator

from tousu.presets.accountability import Accountability
from tousu.presets.capa import Capa
from tousu.presets.fields import Code, Name, Reason, SourceText, Strict, Text, gettext_noop
from tousu.presets.ledger import CUSTOM_PREFIX, Ledger
from tousu.presets.partners import Partners
from tousu.presets.reports import Reports
from tousu.presets.retention import Retention
from tousu.presets.uploads import Uploads

__all__ = ["Accountability", "Code", "Name", "Reason", "SourceText", "Strict", "Text", "gettext_noop"]

# The deadline kinds of SPEC §6 that have a due-date field on the complaint
# (``tousu.complaints.dues.DUE_FIELDS``; a test keeps the two equal).
DeadlineKind = Literal[
    "acceptance", "sign_for", "handling", "report_back", "follow_up", "review", "review_window", "co_opinion"
]
# Units a period is counted in (SPEC §6).
TimeUnit = Literal["minutes", "hours", "business_hours", "natural_days", "working_days"]
UNIT_LABELS: dict[str, str] = {
    "minutes": "分钟",
    "hours": "小时",
    "business_hours": "工作小时",
    "natural_days": "自然日",
    "working_days": "工作日",
}
# What a deadline rule may depend on (SPEC §6); the values are interpreted by complaints.dues.
Condition = Literal["kind", "channel", "category", "grade", "mode", "level", "leading_body"]
ConditionValue = str | int | tuple[str | int, ...]


# A period as the screens show it, "15 工作日" or "15+5 工作日" (``DeadlineRule.label``, kept in
# ``Complaint.due_rules``): msgids, translated where they are shown ("15 working days").
PERIOD_LABELS: dict[str, str] = {
    "minutes": gettext_noop("%(amount)s 分钟"),
    "hours": gettext_noop("%(amount)s 小时"),
    "business_hours": gettext_noop("%(amount)s 工作小时"),
    "natural_days": gettext_noop("%(amount)s 自然日"),
    "working_days": gettext_noop("%(amount)s 工作日"),
}


class Category(Strict):
    code: Code
    name: Text
    children: tuple[Category, ...] = ()
    source: SourceText = ""


class Grade(Strict):
    code: Code
    name: Text
    description: str = ""
    source: SourceText = ""


class DeclineReason(Reason):
    needs_approval: bool = False  # only the centre may decline for this reason
    needs_forward: bool = False  # the competent body the matter goes to must be named


class Reasons(Strict):
    """Reason codes by group (``ReasonCode.Group``)."""

    model_config = ConfigDict(populate_by_name=True)

    decline: tuple[DeclineReason, ...] = ()
    return_: tuple[Reason, ...] = Field(default=(), alias="return")
    suspend: tuple[Reason, ...] = ()
    invalid: tuple[Reason, ...] = ()

    def groups(self) -> dict[str, tuple[Reason, ...]]:
        """Group code → reasons, in the spelling data files and ``ReasonCode.group`` use."""
        return {"decline": self.decline, "return": self.return_, "suspend": self.suspend, "invalid": self.invalid}


class DeadlineRule(Strict):
    """One deadline: ``amount`` ``unit``s of ``kind``, where every condition in ``when`` holds.

    ``when`` maps a condition to a value or a list of values; ``category`` matches a category and
    everything below it. A policy takes the first rule that applies, so specific rules go first."""

    name: Text
    kind: DeadlineKind
    amount: NonNegativeInt
    unit: TimeUnit
    start: str = "the action that sets it"  # documentation: which event the period runs from
    # What the period is counted from: the action that sets it (dispatch for handling, the reply
    # for follow-up…), or the complaint's receipt, where the rule says "自收到投诉之日起"
    # (the banking regulation's 15 days, the operator's 15 days, TX02-13's 24 hours).
    counted_from: Literal["action", "receipt"] = "action"
    when: dict[Condition, ConditionValue] = Field(default_factory=dict)
    extension_cap: NonNegativeInt | None = None  # in the rule's own unit, summed over all extensions
    reminder_hours: PositiveInt | None = None  # None: the deployment's TOUSU_REMIND_HOURS
    source: SourceText = ""

    def label(self) -> str:
        return f"{self.amount} {UNIT_LABELS[self.unit]}"


class Thresholds(Strict):
    repeat_window_days: PositiveInt  # same caller within this many days → repeat (SPEC §8)
    group_threshold: PositiveInt  # this many complainants or more → group complaint (SPEC §8)
    group_window_days: PositiveInt  # … on one matter within this many days (SPEC §8)
    hot_threshold: PositiveInt  # this many different complainants on one matter → hot issue
    hot_window_days: PositiveInt  # … within this many days
    max_representatives: PositiveInt  # representatives a group may send (SPEC §4)
    unreachable_attempts: PositiveInt  # failed return visits before closing as unreachable (SPEC §5)


class GradingRule(Strict):
    """One auto-grading rule (SPEC §8): fires when any keyword occurs in the complaint's text, or
    the amount exceeds ``amount_over``, or the channel is one of ``channels``, or it has at least
    ``complainants_at_least`` complainants, or (``repeat``) it repeats an earlier complaint already closed, or
    (``unsolved_days``) it is still without a solution that many days after it was received — this
    one the periodic job checks, not registration. It gives the grade ``grade``, or the grade
    ``below_top`` steps under the preset's highest."""

    code: Name
    label: Text
    keywords: tuple[str, ...] = ()
    amount_over: Decimal | None = None
    channels: tuple[str, ...] = ()
    complainants_at_least: PositiveInt | None = None
    repeat: bool = False
    unsolved_days: PositiveInt | None = None
    grade: str = ""
    below_top: NonNegativeInt = 1
    source: SourceText = ""


DEFAULT_GRADING = (
    GradingRule(code="media", label="媒体关注", keywords=("媒体", "记者", "曝光", "电视台", "报社", "微博", "抖音")),
    GradingRule(code="litigation", label="律师或诉讼", keywords=("律师", "法院", "起诉", "诉讼", "仲裁")),
    GradingRule(
        code="regulator",
        label="消协或监管",
        keywords=("消协", "消费者协会", "12315", "向监管部门", "监管部门反映", "银保监", "金融监管局", "通信管理局"),
    ),
    GradingRule(code="injury", label="人身伤害", keywords=("受伤", "死亡", "医院抢救", "住院", "骨折", "中毒")),
    GradingRule(code="amount", label="金额较大", amount_over=Decimal("50000")),
    GradingRule(code="upgraded", label="升级投诉", channels=("upgraded",)),
    GradingRule(
        code="repeated_failure", label="办结后再次投诉", repeat=True, source="000-99：已经处理过再次发生的为重要投诉"
    ),
    GradingRule(code="co_complainants", label="多人联名", complainants_at_least=5, below_top=0),
    GradingRule(
        code="unsolved_month",
        label="一个月未拿出解决方案",
        unsolved_days=30,
        below_top=0,
        source="000-97，3.4.1：投诉发生1个月后由于我方原因仍未拿出有效解决方案的投诉（重大投诉）",
    ),
)


class Detection(Strict):
    """Repeat, hot-issue and group detection and auto-grading (SPEC §8). ``group_grade``: the
    grade a group complaint event raises its complaints to (empty: the preset's highest)."""

    group_grade: str = ""
    grading: tuple[GradingRule, ...] = DEFAULT_GRADING
    # A repeat of a complaint still open urges its handling unit at once (the telecom rule, seed
    # 004-126); without it the clerk tells the caller the progress (the government rule, 004-31).
    repeat_urge: bool = False


class Flag(Strict):
    code: Name
    label: Text
    source: SourceText = ""


class CustomField(Strict):
    """A field of the preset's own (plate number, contract, order or batch number…): validated at
    intake, shown on the complaint page, filtered in the list and exported (SPEC §12)."""

    code: Name
    label: Text
    type: Literal["text", "number", "date", "choice"] = "text"
    pattern: str | None = None  # a regular expression a text value must match in full
    choices: tuple[Text, ...] = ()  # the values of a choice field
    max_length: Annotated[int, Field(ge=1, le=200)] = 60
    required: bool = False
    help: str = ""
    # Tells who the complainant is (a customer's phone or account number): hidden wherever the
    # identity is, and unit staff cannot filter by it (SPEC §7).
    identifying: bool = False
    source: SourceText = ""

    @model_validator(mode="after")
    def _sound(self) -> CustomField:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field lists its choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"choices are for choice fields, not {self.type}")
        if self.pattern is not None:
            if self.type != "text":
                raise ValueError("a pattern is for text fields")
            try:
                re.compile(self.pattern)
            except re.error as err:
                raise ValueError(f"pattern does not compile: {err}") from None
        return self

    def check(self, value: Any) -> str:
        """``value`` as stored (a string), or ValueError saying what is wrong with it."""
        text = "" if value is None else str(value).strip()
        if not text:
            if self.required:
                raise ValueError("必填")
            return ""
        if len(text) > self.max_length:
            raise ValueError(f"不超过{self.max_length}个字符")
        if self.type == "number":
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValueError("应为数字") from None
            if not number.is_finite() or abs(number) >= Decimal("1e15"):
                raise ValueError("应为有限的数字")
        elif self.type == "date":
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError("应为日期，如2026-12-01") from None
        elif self.type == "choice" and text not in self.choices:
            raise ValueError("应为：" + "、".join(self.choices))
        elif self.pattern is not None and not re.fullmatch(self.pattern, text):
            raise ValueError(f"格式不符（{self.help or self.pattern}）")
        return text


# What a letter template may say in braces, and what each stands for (complaints.letters fills them).
PLACEHOLDERS: dict[str, str] = {
    "number": "投诉编号",
    "received": "收到日期（2026年12月1日）",
    "summary": "投诉摘要",
    "organisation": "本机构（投诉中心所属单位）名称",
    "centre": "投诉中心名称",
    "unit": "承办单位名称",
    "due": "办理期限（2026年12月1日）",
    "today": "今天（2026年12月1日）",
}


def _placeholders(text: str) -> list[str]:
    import string

    try:
        return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None]
    except ValueError as err:
        raise ValueError(f"braces do not pair: {err}") from None


# What the templates of the letter library (``Letters.templates``) may say besides ``PLACEHOLDERS``;
# tousu.letters fills them.
LETTER_PLACEHOLDERS: dict[str, str] = {
    **PLACEHOLDERS,
    "salutation": "称呼（张三先生、李四女士；姓名或性别不明、匿名、隐去身份时为「投诉人」）",
    "findings": "调查情况",
    "solution": "处理意见",
    "reply_text": "答复内容",
    "decline_reason": "不予受理理由（理由名称）",
    "decline_text": "不予受理告知（该理由的告知文字，或不予受理时所填的文字）",
    "forwarded_to": "移送机关",
    "suspend_reason": "中止理由",
    "decision": "复核决定（维持或撤销重办）及其说明",
    "review_channel": "复核途径（letters.review_channel 填好后的文字）",
    "review_until": "复核申请期限（2026年12月1日前；未定时为「收到本文书之日起15日内」）",
    "handler_unit": "承办单位名称（同 unit）",
    "signatory": "落款单位（出具文书的单位）",
}


class LetterTemplate(Strict):
    """One letter of the library: its code, title, who it is addressed to and who issues it, the
    action that must be on record before it can be made (``needs``), and its paragraphs, with
    ``{placeholders}`` (``LETTER_PLACEHOLDERS``); a paragraph that fills to nothing is left out."""

    code: Code
    title: Text
    to: Literal["complainant", "centre"] = "complainant"
    issuer: Literal["centre", "unit"] = "centre"
    needs: str = ""  # an action (``Event.action``) that must be in the complaint's history
    prefix: str = ""  # the issuer's code word before 〔year〕 in the 文号 (机关代字)
    text: tuple[Text, ...] = Field(min_length=1)
    source: SourceText = ""


# The library every preset has unless it names its own letters: data, beside this module.
DEFAULT_LETTER_TEMPLATES = tuple(
    LetterTemplate.model_validate(t)
    for t in yaml.safe_load(Path(__file__).with_name("default_letters.yaml").read_text(encoding="utf-8"))
)


class Letters(Strict):
    """The preset's letter and reply templates: text with ``{placeholders}`` (``PLACEHOLDERS``),
    filled for one complaint by ``tousu.complaints.letters.fill``; and the letter library
    (``templates``, filled by ``tousu.letters``): every preset has ``DEFAULT_LETTER_TEMPLATES``,
    and a template of the preset's own replaces the default of the same code."""

    acceptance: str = ""  # 受理告知：tells the complainant the complaint is accepted and by when
    reply: str = ""  # 答复：the draft the reply and the proposed reply start from
    extension: str = ""  # 延期告知
    # The preset's own templates; where it lists none, the defaults (``library`` adds a default
    # for every code a preset's own list leaves out).
    templates: tuple[LetterTemplate, ...] = DEFAULT_LETTER_TEMPLATES
    # How the complainant asks for a review, as letters say it ({review_channel}).
    review_channel: str = "向{organisation}申请复核"
    signatory: str = ""  # who signs letters issued by the centre; empty: the centre's name
    source: SourceText = ""

    @model_validator(mode="after")
    def _known(self) -> Letters:
        for name in ("acceptance", "reply", "extension"):
            unknown = [p for p in _placeholders(getattr(self, name)) if p not in PLACEHOLDERS]
            if unknown:
                raise ValueError(
                    f"letters.{name}: unknown placeholder {{{unknown[0]}}}; known: {', '.join(PLACEHOLDERS)}"
                )
        codes = [t.code for t in self.templates]
        if len(set(codes)) != len(codes):
            raise ValueError("letters.templates: a code appears twice")
        texts = [(f"templates.{t.code}", p) for t in self.templates for p in t.text]
        texts.append(("review_channel", self.review_channel))
        for where, text in texts:
            unknown = [p for p in _placeholders(text) if p not in LETTER_PLACEHOLDERS]
            if unknown:
                raise ValueError(f"letters.{where}: unknown placeholder {{{unknown[0]}}}")
        return self

    def library(self) -> tuple[LetterTemplate, ...]:
        """The letter templates in force: the defaults, each replaced by the preset's own of the
        same code, then the preset's other templates. The default acceptance and extension notices
        say what the preset's notice texts (``acceptance``, ``extension``) say."""
        own = {t.code: t for t in self.templates}
        notices = {"acceptance": self.acceptance, "extension": self.extension}
        chosen = [own.pop(t.code, t) for t in DEFAULT_LETTER_TEMPLATES]
        defaults = tuple(
            t.model_copy(update={"text": (notices[t.code],)})
            if notices.get(t.code) and t in DEFAULT_LETTER_TEMPLATES
            else t
            for t in chosen
        )
        return defaults + tuple(own.values())


class Duty(Strict):
    """A rule of the sources that the preset records for its users but tousu does not (yet) enforce:
    shown on the preset's documentation page, so nothing the sources require is silently dropped."""

    name: Text
    text: Text
    source: SourceText


class Source(Strict):
    """A document the preset follows: a seed file or a regulation."""

    code: Code  # how values cite it ("004", "银保监会令2020年第3号")
    title: Text
    note: str = ""


class Labels(Strict):
    """The preset's own names for roles, kinds and channels (the credit union's centre is 监察室);
    checked against the codes in ``tousu.complaints.preset``."""

    roles: dict[str, Text] = Field(default_factory=dict)
    kinds: dict[str, Text] = Field(default_factory=dict)
    channels: dict[str, Text] = Field(default_factory=dict)


class Investigation(Strict):
    """What the handling unit's investigation must hold before its result is submitted (issue 14):
    a structured root cause (8D disciplines D1–D8 with owner and date, or 5W1H) and, for product
    presets, the batch-trace panel and the batch number."""

    root_cause: Literal["none", "5w1h", "8d"] = "none"
    # Whose result needs the root cause (and the batch, where ``batch_required``) first: kinds
    # and category codes (a category covers its children); a complaint must match one of the
    # kinds named, and one of the categories named, if any are. Empty: no result needs them.
    required_for: tuple[str, ...] = ()
    batch_trace: bool = False  # a product preset: the complaint page shows the batch-trace panel
    batch_required: bool = False
    source: SourceText = ""


class Aftercare(Strict):
    """The return visit and the closing checks (SPEC §9, issue 14). ``by``: who makes the return
    visit — the centre's follow-up staff, the unit that handled the case (seed 003: the respondent
    department visits every closed complaint) or the unit above it (seed 000: the second-tier
    branch); the centre may always. ``waivable``: the centre may close a replied case without a
    visit, with the reason on record. ``checks``: what ``close`` (and every other way to 已办结)
    verifies first — the reply given in the form the channel needs (``reply_form``), the visit
    made or waived (``follow_up``), no approval or sign-off still open (``approvals``)."""

    by: Literal["centre", "unit", "parent"] = "centre"
    methods: tuple[Literal["phone", "sms", "home", "visit", "email", "letter"], ...] = ("phone", "sms", "home")
    waivable: bool = True
    checks: tuple[Literal["reply_form", "follow_up", "approvals"], ...] = ("reply_form", "follow_up", "approvals")
    source: SourceText = ""


class ApprovalStep(Strict):
    """One step of the pre-dispatch approval chain, decided by the head of the unit ``up`` levels
    above the centre (0: the centre's own head)."""

    label: Text
    up: NonNegativeInt = 0


class SignStep(Strict):
    """Who signs a solution (tousu.solution): the head of a unit — ``head_of`` the unit that approves
    the result ("approver": the centre, or the handling unit for a transfer), the centre, the
    handling unit or the organisation's top unit, then ``up`` levels above it — or, with ``role``,
    any user of that role (the pharma 质量负责人)."""

    label: Text
    head_of: Literal["approver", "centre", "unit", "top"] | None = None
    up: NonNegativeInt = 0
    role: str | None = None

    @model_validator(mode="after")
    def _one(self) -> SignStep:
        if (self.head_of is None) == (self.role is None):
            raise ValueError("a step names either head_of or role")
        return self


class ApprovalWhen(Strict):
    grade: tuple[str, ...] = ()  # any of these grades
    amount_over: Decimal | None = Field(None, ge=0)  # the solution's total above this (元)


class ApprovalRule(Strict):
    """A sign-off a result needs before it is approved, where every condition in ``when`` holds."""

    label: Text
    when: ApprovalWhen
    step: SignStep
    source: SourceText = ""


DEFAULT_APPROVALS = (
    ApprovalRule(
        label="补偿金额超过5000元",
        when=ApprovalWhen(amount_over=Decimal(5000)),
        step=SignStep(label="审批单位负责人签批", head_of="approver"),
        source="ours: 超过一定金额的补偿须经负责人签批（种子000-75、001-21）；金额为本系统默认值",
    ),
    ApprovalRule(
        label="补偿金额超过50000元",
        when=ApprovalWhen(amount_over=Decimal(50000)),
        step=SignStep(label="单位主要负责人签批", head_of="top"),
        source="ours: 大额补偿报主要负责人（总经理）同意后方可执行（种子000-75）；金额为本系统默认值",
    ),
)


BusinessHours = tuple[tuple[dt.time, dt.time], ...]


class Preset(Strict):
    name: Name
    title: Text
    description: Text
    sources: tuple[Source, ...] = Field(min_length=1)
    labels: Labels = Labels()
    # Channel and Kind codes the preset accepts, checked by complaints.preset. The intake does not
    # narrow its choices to them yet.
    channels: tuple[str, ...] = Field(min_length=1)
    kinds: tuple[str, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    grades: tuple[Grade, ...] = Field(min_length=1)  # lowest first: the position is the rank
    reasons: Reasons
    deadlines: tuple[DeadlineRule, ...]
    # Business hours of a unit that sets none, for periods counted in business hours.
    business_hours: BusinessHours = Field(min_length=1)
    thresholds: Thresholds
    flags: tuple[Flag, ...]
    # Pre-dispatch approval, in force where TOUSU_DISPATCH_APPROVAL is on (SPEC §7).
    dispatch_approval: tuple[ApprovalStep, ...]
    # Sign-offs a result's solution needs before approval, by amount and grade (SPEC §9, tousu.solution).
    approvals: tuple[ApprovalRule, ...] = DEFAULT_APPROVALS
    # Every dispatch to a unit is redacted, whatever the dispatcher chose (SPEC §7).
    always_redact: bool
    # Unit staff may use the caller look-up by phone, which tells who complained (SPEC §8).
    unit_caller_lookup: bool
    # Who may reveal a complainant's full phone number (one click, with a reason, on record) to
    # call them back: roles, and only where the user sees the identity at all (SPEC §7).
    contact_reveal_roles: tuple[str, ...] = ("clerk", "center", "followup", "head", "handler")
    # Dispatch modes in use (``DispatchMode``): the dispatch form offers only these.
    dispatch_modes: tuple[str, ...] = Field(min_length=1)
    custom_fields: tuple[CustomField, ...] = ()
    detection: Detection = Detection()
    letters: Letters = Letters()
    investigation: Investigation = Investigation()
    aftercare: Aftercare = Aftercare()
    accountability: Accountability = Accountability()
    capa: Capa = Capa()
    ledger: Ledger = Ledger()
    partners: Partners = Partners()
    reports: Reports = Reports()
    uploads: Uploads = Uploads()  # which files a case accepts (tousu.presets.uploads)
    retention: Retention = Retention()  # when the complainants' identity is anonymised (presets.retention)
    duties: tuple[Duty, ...] = ()
    # Where each single setting comes from: a dotted path ("thresholds.group_threshold",
    # "always_redact") → its source, as ``source`` does for the items of a list.
    basis: dict[str, SourceText] = Field(default_factory=dict)

    def walk_categories(self) -> Iterator[tuple[Category, Category | None]]:
        """Every category with its parent, parents first."""
        stack: list[tuple[Category, Category | None]] = [(c, None) for c in reversed(self.categories)]
        while stack:
            category, parent = stack.pop()
            yield category, parent
            stack.extend((child, category) for child in reversed(category.children))

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.flags)

    def flag_label(self, code: str) -> str:
        """The flag's label, or its code where the preset does not know it (an older case)."""
        return next((f.label for f in self.flags if f.code == code), code)

    def revised(self, **changes: Any) -> Preset:
        """A validated copy with ``changes`` applied; a dict merges into the section it names
        (``revised(thresholds={"group_threshold": 3})`` keeps the other thresholds)."""
        return Preset.model_validate(_merge(self.model_dump(by_alias=True), changes))

    @model_validator(mode="after")
    def _consistent(self) -> Preset:
        """Codes are unique, and rules name only categories and grades the preset has."""
        categories = [c.code for c, _ in self.walk_categories()]
        _unique("categories", categories)
        _unique("grades", [g.code for g in self.grades])
        _unique("flags", [f.code for f in self.flags])
        _unique("custom_fields", [f.code for f in self.custom_fields])
        _unique("sources", [s.code for s in self.sources])
        for path in self.basis:
            if not _has_path(self, path):
                raise ValueError(f"basis: {path!r} is not a setting of a preset")
        _unique("deadlines", [r.name for r in self.deadlines])
        for group, reasons in self.reasons.groups().items():
            _unique(f"reasons.{group}", [r.code for r in reasons])
        known: dict[Condition, set[str]] = {"category": set(categories), "grade": {g.code for g in self.grades}}
        for where, code in [("detection.group_grade", self.detection.group_grade)] + [
            (f"detection.grading[{i}].grade", r.grade) for i, r in enumerate(self.detection.grading)
        ]:
            if code and code not in known["grade"]:
                raise ValueError(f"{where}: unknown grade {code!r}")
        for i, rule in enumerate(self.deadlines):
            for key, codes in known.items():
                wanted = rule.when.get(key)
                for value in wanted if isinstance(wanted, tuple) else () if wanted is None else (wanted,):
                    if value not in codes:
                        raise ValueError(f"deadlines.{i}.when.{key}: {value!r} is not a {key} of this preset")
        for code in self.investigation.required_for:
            if code not in self.kinds and code not in categories:
                raise ValueError(
                    f"investigation.required_for: {code!r} is neither a kind nor a category of this preset"
                )
        own = {f.code for f in self.custom_fields}
        for layout in self.ledger.layouts:
            for column in layout.columns:
                if column.startswith(CUSTOM_PREFIX) and column.removeprefix(CUSTOM_PREFIX) not in own:
                    raise ValueError(f"ledger.{layout.code}: {column!r} is not a custom field of this preset")
        for i, approval in enumerate(self.approvals):
            for code in approval.when.grade:
                if code not in known["grade"]:
                    raise ValueError(f"approvals.{i}.when.grade: {code!r} is not a grade of this preset")
        for i, (begin, end) in enumerate(self.business_hours):
            if begin >= end or (i and begin < self.business_hours[i - 1][1]):
                raise ValueError(f"business_hours.{i}: periods run in order, each ending after it starts")
        return self


def _merge(base: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        merged[key] = _merge(old, value) if isinstance(old, dict) and isinstance(value, Mapping) else value
    return merged


def _has_path(model: BaseModel, path: str) -> bool:
    """Whether ``path`` ("thresholds.group_threshold") names a field of ``model``'s class."""
    cls: Any = type(model)
    for part in path.split("."):
        field = cls.model_fields.get(part) if isinstance(cls, type) and issubclass(cls, BaseModel) else None
        if field is None:
            return False
        cls = field.annotation
    return True


def _unique(path: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise ValueError(f"{path}: {code!r} appears twice (item {i})")
        seen.add(code)


class PresetError(ValueError):
    """A preset that does not validate. ``problems`` are (path, message) pairs."""

    def __init__(self, preset: str, source: str, problems: list[tuple[str, str]]) -> None:
        self.preset, self.source, self.problems = preset, source, problems
        listed = "; ".join(f"{path}: {message}" if path else message for path, message in problems)
        super().__init__(f"preset {preset} ({source}): {listed}")


def parse(data: Mapping[str, Any], *, source: str) -> Preset:
    """Read a preset from plain data, refusing unknown keys; ``source`` (the file or module it
    came from) and the path of every error are named in the ``PresetError``."""
    try:
        return Preset.model_validate(data)
    except ValidationError as err:
        name = str(data.get("name") or "?") if isinstance(data, Mapping) else "?"
        problems = [
            (".".join(str(part) for part in e["loc"]), e["msg"].removeprefix("Value error, ")) for e in err.errors()
        ]
        raise PresetError(name, source, problems) from None


PRESET_FILE = "preset.yaml"
DEMO_FILE = "demo.yaml"


def read_yaml(path: Path) -> Any:
    """The plain data in a YAML file, or ``PresetError`` naming the file, the line and the reason."""
    import yaml  # imported here: only loading a preset folder needs it

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PresetError(path.parent.name, str(path), [("", f"cannot read: {err}")]) from None
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = getattr(err, "problem", None) or str(err)
        raise PresetError(path.parent.name, str(path), [("", f"{where}{reason}")]) from None


def load_folder(folder: Path) -> Preset:
    """The preset in ``folder/preset.yaml``, validated: ``PresetError`` names the file, the path
    inside it and the reason for every problem, and nothing is returned half-read."""
    path = folder / PRESET_FILE
    data = read_yaml(path)
    if not isinstance(data, Mapping):
        raise PresetError(folder.name, str(path), [("", "the file holds no mapping of settings")])
    preset = parse(data, source=str(path))
    if preset.name != folder.name:
        raise PresetError(preset.name, str(path), [("name", f"must be the folder's name, {folder.name!r}")])
    return preset


class Demo(Protocol):
    """A preset's demo module: its organisation and complaints, made by ``tousu init --demo``.

    The module imports nothing of ``tousu.complaints``: the command hands it ``perform`` (the action
    table's ``perform(action, actor, number, fields)``), so every demo complaint has an honest
    history without the preset depending on the lifecycle."""

    DEMO_PASSWORD: str
    USERS: list[tuple[str, str, Any, str, Any]]  # (username, name, role, unit code, scope)

    def build_demo(self, perform: Any) -> dict[str, int]: ...


def to_plain(preset: Preset) -> dict[str, Any]:
    """The preset as the plain data of a preset file (times as "08:30")."""
    return preset.model_dump(mode="json", by_alias=True)


def to_yaml(preset: Preset) -> str:
    """The preset as a ``preset.yaml``: block style, short lists and mappings on one line."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
            return super().increase_indent(flow, False)

    def short(value: Any) -> bool:
        return not isinstance(value, (list, dict)) and len(str(value)) < 40

    def listed(dumper: Any, data: list[Any]) -> Any:
        flow = all(not isinstance(x, (list, dict)) for x in data) and sum(len(str(x)) for x in data) < 90
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    def mapped(dumper: Any, data: dict[str, Any]) -> Any:
        flow = all(short(v) for v in data.values()) and sum(len(str(k)) + len(str(v)) for k, v in data.items()) < 64
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)

    Dumper.add_representer(list, listed)
    Dumper.add_representer(dict, mapped)
    return yaml.dump(to_plain(preset), Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120)


def differences(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(path, before, after) for every value that differs between two presets' plain data; list
    items of codes are matched by their code or name, so an insertion shows as one change."""
    if isinstance(before, Preset):
        before = to_plain(before)
    if isinstance(after, Preset):
        after = to_plain(after)
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            found += differences(before.get(key), after.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(before, list) and isinstance(after, list) and _keyed(before) and _keyed(after):
        old, new = _by_key(before), _by_key(after)
        found = []
        for key in [*old, *(k for k in new if k not in old)]:
            found += differences(old.get(key), new.get(key), f"{path}[{key}]")
        return found
    return [] if before == after else [(path, before, after)]


def _keyed(items: list[Any]) -> bool:
    return all(isinstance(i, dict) and ("code" in i or "name" in i) for i in items)


def _by_key(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {str(i.get("code", i.get("name"))): i for i in items}
