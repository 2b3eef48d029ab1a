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
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, ValidationError, model_validator

Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]  # reference codes fit 40 chars
Text = Annotated[str, Field(min_length=1)]

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


def gettext_noop(message: str) -> str:
    """Mark a label for translation and return it unchanged; makemessages finds it by this name.
    Django's own gettext_noop reads the settings, and a preset must load without them."""
    return message


class Strict(BaseModel):
    """Immutable, and an unknown key is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Category(Strict):
    code: Code
    name: Text
    children: tuple[Category, ...] = ()


class Grade(Strict):
    code: Code
    name: Text
    description: str = ""


class Reason(Strict):
    code: Code
    name: Text


class DeclineReason(Reason):
    template: str = ""  # the letter telling the complainant why (seed 004 templates A–E)
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
    when: dict[Condition, ConditionValue] = Field(default_factory=dict)
    extension_cap: NonNegativeInt | None = None  # in the rule's own unit, summed over all extensions
    reminder_hours: PositiveInt | None = None  # None: the deployment's TOUSU_REMIND_HOURS

    def label(self) -> str:
        return f"{self.amount} {UNIT_LABELS[self.unit]}"


class Thresholds(Strict):
    repeat_window_days: PositiveInt  # same caller within this many days → repeat (SPEC §8)
    group_threshold: PositiveInt  # this many complainants or more → group complaint (SPEC §8)
    max_representatives: PositiveInt  # representatives a group may send (SPEC §4)
    unreachable_attempts: PositiveInt  # failed return visits before closing as unreachable (SPEC §5)


class Flag(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Text


class ApprovalStep(Strict):
    """One step of the pre-dispatch approval chain, decided by the head of the unit ``up`` levels
    above the centre (0: the centre's own head)."""

    label: Text
    up: NonNegativeInt = 0


BusinessHours = tuple[tuple[dt.time, dt.time], ...]


class Preset(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    title: Text
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
    # Every dispatch to a unit is redacted, whatever the dispatcher chose (SPEC §7).
    always_redact: bool
    # Unit staff may use the caller look-up by phone, which tells who complained (SPEC §8).
    unit_caller_lookup: bool

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
        _unique("deadlines", [r.name for r in self.deadlines])
        for group, reasons in self.reasons.groups().items():
            _unique(f"reasons.{group}", [r.code for r in reasons])
        known: dict[Condition, set[str]] = {"category": set(categories), "grade": {g.code for g in self.grades}}
        for i, rule in enumerate(self.deadlines):
            for key, codes in known.items():
                wanted = rule.when.get(key)
                for value in wanted if isinstance(wanted, tuple) else () if wanted is None else (wanted,):
                    if value not in codes:
                        raise ValueError(f"deadlines.{i}.when.{key}: {value!r} is not a {key} of this preset")
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


class Demo(Protocol):
    """A preset's demo module: its organisation and complaints, made by ``tousu init --demo``.

    The module imports nothing of ``tousu.complaints``: the command hands it ``perform`` (the action
    table's ``perform(action, actor, number, fields)``), so every demo complaint has an honest
    history without the preset depending on the lifecycle."""

    DEMO_PASSWORD: str
    USERS: list[tuple[str, str, Any, str, Any]]  # (username, name, role, unit code, scope)

    def build_demo(self, perform: Any) -> dict[str, int]: ...
