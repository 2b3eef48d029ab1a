"""Due dates come from one policy interface (SPEC §6).

A policy is an ordered list of rules, preset data: each gives one deadline kind an amount in a
unit (minutes, hours, business hours, natural days, working days), the conditions it applies under
(kind, category, grade, dispatch mode, handling level, leading body, channel) and its extension cap.
The first rule whose conditions all hold wins, so specific rules go before general ones.

Counting (SPEC §6): the start day is not counted (civil code art. 201); a period ends at 24:00 of
its last day (art. 203); a natural-day period whose last day is a rest day ends on the first
working day after it (art. 203). For working-day periods, counting starts from the next working
day: a complaint received on a Saturday has Monday as its first day.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils import timezone

# Deadline kinds named in SPEC §6.
ACCEPTANCE, SIGN_FOR, HANDLING, REPORT_BACK, FOLLOW_UP, REVIEW, REVIEW_WINDOW, CO_OPINION = (
    "acceptance", "sign_for", "handling", "report_back", "follow_up", "review", "review_window", "co_opinion")

DUE_FIELDS = {
    ACCEPTANCE: "acceptance_due",
    SIGN_FOR: "sign_due",
    HANDLING: "handling_due",
    REPORT_BACK: "report_due",
    FOLLOW_UP: "followup_due",
    REVIEW: "review_due",
    REVIEW_WINDOW: "review_window_ends",
    CO_OPINION: "opinion_due",
}

MINUTES, HOURS, BUSINESS_HOURS, NATURAL_DAYS, WORKING_DAYS = (
    "minutes", "hours", "business_hours", "natural_days", "working_days")
UNIT_LABELS = {MINUTES: "分钟", HOURS: "小时", BUSINESS_HOURS: "工作小时", NATURAL_DAYS: "自然日",
               WORKING_DAYS: "工作日"}

# Business hours when a unit sets none (a typical government office day).
DEFAULT_BUSINESS_HOURS = ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 30), dt.time(17, 30)))


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    rule: str
    provisional: bool = False


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    amount: int
    unit: str
    start: str = "the action that sets it"  # documentation: which event the period runs from
    when: dict[str, Any] = field(default_factory=dict)
    extension_cap: int | None = None  # in the rule's own unit, summed over all extensions
    reminder_hours: int | None = None  # None: the deployment's TOUSU_REMIND_HOURS

    def applies(self, complaint: Any) -> bool:
        for key, wanted in self.when.items():
            value = _condition_value(complaint, key)
            allowed = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else (wanted,)
            if key == "category":
                if not any(value.startswith(a) for a in allowed):
                    return False
            elif value not in allowed:
                return False
        return True

    def label(self) -> str:
        return f"{self.amount} {UNIT_LABELS.get(self.unit, self.unit)}"


def _condition_value(complaint: Any, key: str) -> Any:
    if key == "category":
        category = getattr(complaint, "category", None)
        return category.code if category else ""
    if key == "grade":
        grade = getattr(complaint, "grade", None)
        return grade.code if grade else ""
    if key == "mode":
        return getattr(complaint, "dispatch_mode", "") or ""
    if key == "level":
        return getattr(complaint, "handling_level", 0)
    if key == "leading_body":
        return (getattr(complaint, "extra", None) or {}).get("leading_body", "")
    return getattr(complaint, key, "")


class DeadlinePolicy(Protocol):
    def rule_for(self, complaint: Any, kind: str) -> Rule | None:
        """The rule that gives ``complaint`` its ``kind`` deadline, or None if none applies."""

    def due(self, complaint: Any, kind: str, start: dt.datetime, added: int = 0) -> Due | None:
        """The deadline of ``kind`` counted from ``start``: the rule's amount plus ``added`` units
        (approved extensions, paused time)."""

    def paused_units(self, rule: Rule, paused_from: dt.datetime, paused_to: dt.datetime) -> int:
        """How many of the rule's units passed between the two instants (suspended time)."""


def _calendar():  # noqa: ANN202
    from tousu.calendar.store import current

    return current()


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of ``day``, Asia/Shanghai (represented as the last microsecond of the day)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)) \
        - dt.timedelta(microseconds=1)


def end_of_day_after(start: dt.datetime, days: int) -> dt.datetime:
    """24:00 (local) of the ``days``-th natural day after ``start``'s day, rest days not moved."""
    return end_of_day(timezone.localtime(start).date() + dt.timedelta(days=days))


def add_business_minutes(start: dt.datetime, minutes: int, hours=DEFAULT_BUSINESS_HOURS,  # noqa: ANN001
                         cal: Any = None) -> dt.datetime:
    """``minutes`` of business time after ``start``: only inside ``hours`` on working days."""
    cal = cal or _calendar()
    local = timezone.localtime(start)
    day, left = local.date(), minutes
    cursor = local.time()
    for _ in range(3660):  # at most ten years of days; a policy never asks for more
        if cal.is_working(day):
            for begin, end in hours:
                if cursor >= end:
                    continue
                lo = max(cursor, begin)
                span = (dt.datetime.combine(day, end) - dt.datetime.combine(day, lo)).seconds // 60
                if left <= span:
                    naive = dt.datetime.combine(day, lo) + dt.timedelta(minutes=left)
                    return timezone.make_aware(naive)
                left -= span
        day, cursor = day + dt.timedelta(days=1), dt.time.min
    raise ValueError("business-hours period too long")


class RulePolicy:
    """A preset's deadline rules over the working-day calendar."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = list(rules)

    def rule_for(self, complaint: Any, kind: str) -> Rule | None:
        return next((r for r in self.rules if r.kind == kind and r.applies(complaint)), None)

    def due(self, complaint: Any, kind: str, start: dt.datetime, added: int = 0) -> Due | None:
        rule = self.rule_for(complaint, kind)
        if rule is None:
            return None
        unit = getattr(complaint, "handling_unit", None)
        return add(rule, start, rule.amount + added, business_hours=_hours(unit))

    def paused_units(self, rule: Rule, paused_from: dt.datetime, paused_to: dt.datetime) -> int:
        seconds = max((paused_to - paused_from).total_seconds(), 0)
        if rule.unit == MINUTES:
            return int(seconds // 60)
        if rule.unit in (HOURS, BUSINESS_HOURS):
            return int(seconds // 3600)
        start, end = timezone.localtime(paused_from).date(), timezone.localtime(paused_to).date()
        if rule.unit == NATURAL_DAYS:
            return max((end - start).days, 0)
        return max(_calendar().working_days_between(start, end), 0)


def _hours(unit: Any) -> tuple[tuple[dt.time, dt.time], ...] | None:
    """A unit's business hours as time pairs, or None where it sets none (or sets them badly)."""
    raw = getattr(unit, "business_hours", None) or []
    try:
        hours = tuple((dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in raw)
    except (TypeError, ValueError):
        return None
    return hours if hours and all(a < b for a, b in hours) else None


def add(rule: Rule, start: dt.datetime, amount: int,
        business_hours: tuple[tuple[dt.time, dt.time], ...] | None = None) -> Due:
    """``amount`` of ``rule``'s unit after ``start``, by the counting rules above. With business
    hours, a day-counted period ends at close of business on its last day."""
    cal = _calendar()
    local = timezone.localtime(start)
    if business_hours and rule.unit in (NATURAL_DAYS, WORKING_DAYS):
        day_end = add(rule, start, amount)
        closing = timezone.make_aware(dt.datetime.combine(timezone.localtime(day_end.at).date(),
                                                          business_hours[-1][1]))
        return Due(closing, day_end.rule, day_end.provisional)
    if rule.unit == MINUTES:
        return Due(start + dt.timedelta(minutes=amount), rule.name)
    if rule.unit == HOURS:
        return Due(start + dt.timedelta(hours=amount), rule.name)
    if rule.unit == BUSINESS_HOURS:
        at = add_business_minutes(start, amount * 60, hours=business_hours or DEFAULT_BUSINESS_HOURS, cal=cal)
        return Due(at, rule.name, cal.is_provisional(local.date(), timezone.localtime(at).date()))
    if rule.unit == NATURAL_DAYS:
        last = local.date() + dt.timedelta(days=amount)
        if not cal.is_working(last):
            last = cal.next_working_day(last)  # civil code art. 203
        return Due(end_of_day(last), rule.name, cal.is_provisional(local.date(), last))
    last = cal.add_working_days(local.date(), amount)
    return Due(end_of_day(last), rule.name, cal.is_provisional(local.date(), last))


def policy() -> RulePolicy:
    """The deadline policy of the preset in force."""
    from django.conf import settings

    from tousu.presets import REGISTRY

    return REGISTRY[settings.TOUSU_PRESET].policy
