"""Everything about due dates (SPEC §6): the policy that gives them, the bookkeeping that sets,
moves and recomputes a complaint's dues, and what they mean now (due soon, overdue, on time).

A policy is an ordered list of rules, preset data (``tousu.presets.base.DeadlineRule``): each gives
one deadline kind an amount in a unit (minutes, hours, business hours, natural days, working days),
the conditions it applies under (kind, category, grade, dispatch mode, handling level, leading body,
channel) and its extension cap. The first rule whose conditions all hold wins, so specific rules go
before general ones. This module interprets the rules; the preset in force gives them.

Counting (SPEC §6): the start day is not counted (civil code art. 201); a period ends at 24:00 of
its last day (art. 203); a natural-day period whose last day is a rest day ends on the first
working day after it (art. 203). For working-day periods, counting starts from the next working
day: a complaint received on a Saturday has Monday as its first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tousu.complaints.preset import active
from tousu.complaints.states import OPEN, Status
from tousu.presets.base import UNIT_LABELS as UNIT_LABELS  # re-exported: handling shows a rule's unit
from tousu.presets.base import DeadlineRule

if TYPE_CHECKING:
    from tousu.calendar.workdays import WorkCalendar
    from tousu.complaints.models import Complaint

# The rule type is preset data; the name ``Rule`` reads better where rules are interpreted.
Rule = DeadlineRule

# Deadline kinds named in SPEC §6.
ACCEPTANCE, SIGN_FOR, HANDLING, REPORT_BACK, FOLLOW_UP, REVIEW, REVIEW_WINDOW, CO_OPINION = (
    "acceptance",
    "sign_for",
    "handling",
    "report_back",
    "follow_up",
    "review",
    "review_window",
    "co_opinion",
)

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
    "minutes",
    "hours",
    "business_hours",
    "natural_days",
    "working_days",
)


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    rule: str
    provisional: bool = False


def applies(rule: Rule, complaint: Any) -> bool:
    """Whether every condition of ``rule`` holds for ``complaint``; a category condition matches
    the category and everything below it."""
    for key, wanted in rule.when.items():
        value = _condition_value(complaint, key)
        allowed = wanted if isinstance(wanted, tuple) else (wanted,)
        if key == "category":
            if not any(value.startswith(str(a)) for a in allowed):
                return False
        elif value not in allowed:
            return False
    return True


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


def _calendar() -> WorkCalendar:
    from tousu.calendar.store import current

    return current()


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of ``day``, Asia/Shanghai (represented as the last microsecond of the day)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)) - dt.timedelta(
        microseconds=1
    )


def end_of_day_after(start: dt.datetime, days: int) -> dt.datetime:
    """24:00 (local) of the ``days``-th natural day after ``start``'s day, rest days not moved."""
    return end_of_day(timezone.localtime(start).date() + dt.timedelta(days=days))


def add_business_minutes(
    start: dt.datetime, minutes: int, hours: tuple[tuple[dt.time, dt.time], ...] | None = None, cal: Any = None
) -> dt.datetime:
    """``minutes`` of business time after ``start``: only inside ``hours`` (by default the
    preset's business hours) on working days."""
    hours = hours or active().business_hours
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
        return next((r for r in self.rules if r.kind == kind and applies(r, complaint)), None)

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


def add(
    rule: Rule, start: dt.datetime, amount: int, business_hours: tuple[tuple[dt.time, dt.time], ...] | None = None
) -> Due:
    """``amount`` of ``rule``'s unit after ``start``, by the counting rules above. With business
    hours, a day-counted period ends at close of business on its last day."""
    cal = _calendar()
    local = timezone.localtime(start)
    if business_hours and rule.unit in (NATURAL_DAYS, WORKING_DAYS):
        day_end = add(rule, start, amount)
        closing = timezone.make_aware(dt.datetime.combine(timezone.localtime(day_end.at).date(), business_hours[-1][1]))
        return Due(closing, day_end.rule, day_end.provisional)
    if rule.unit == MINUTES:
        return Due(start + dt.timedelta(minutes=amount), rule.name)
    if rule.unit == HOURS:
        return Due(start + dt.timedelta(hours=amount), rule.name)
    if rule.unit == BUSINESS_HOURS:
        at = add_business_minutes(start, amount * 60, hours=business_hours, cal=cal)
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
    return RulePolicy(list(active().deadlines))


# -- a complaint's due dates: set from the policy, moved, recomputed (SPEC §6) ---------------------
def set_due(complaint: Complaint, kind: str, start: dt.datetime | None = None, added: int = 0) -> None:
    """Set one due date from the policy, remembering the rule, its start and what was added. A
    rule counted from receipt starts at the complaint's receipt whatever action sets it."""
    found = policy().rule_for(complaint, kind)
    if found is not None and found.counted_from == "receipt":
        start = complaint.received_at
    start = start or timezone.now()
    due = policy().due(complaint, kind, start, added)
    setattr(complaint, DUE_FIELDS[kind], due.at if due else None)
    rules = dict(complaint.due_rules)
    if due:
        rule = policy().rule_for(complaint, kind)
        if rule is None:  # due() has just found it
            raise LookupError(f"no deadline rule for {kind!r}")
        rules[kind] = {
            "rule": due.rule,
            "label": rule.label() if not added else f"{rule.amount}+{added} {UNIT_LABELS[rule.unit]}",
            "start": start.isoformat(),
            "added": added,
            "provisional": due.provisional,
        }
    else:
        rules.pop(kind, None)
    complaint.due_rules = rules
    complaint.dues_provisional = any(r.get("provisional") for r in rules.values())


def same_unit(complaint: Complaint, kind: str, other: str) -> bool:
    """Both deadlines run, by rules counted in the same unit (so one extension moves both)."""
    rules = {r.name: r for r in active().deadlines}
    first, second = (rules.get((complaint.due_rules.get(k) or {}).get("rule", "")) for k in (kind, other))
    return first is not None and second is not None and first.unit == second.unit


def move_due(complaint: Complaint, kind: str, units: int) -> None:
    """Add ``units`` of the rule's unit to a running deadline (extension, suspended time)."""
    info = complaint.due_rules.get(kind)
    if not info or not units:
        return
    set_due(complaint, kind, dt.datetime.fromisoformat(info["start"]), info.get("added", 0) + units)


def recompute_dues(complaint: Complaint) -> bool:
    """Recompute every due date from its recorded start (after a calendar change); True if any moved."""
    moved = False
    for kind, info in list(complaint.due_rules.items()):
        field = DUE_FIELDS.get(kind)
        if not field or not getattr(complaint, field):
            continue
        before = getattr(complaint, field)
        set_due(complaint, kind, dt.datetime.fromisoformat(info["start"]), info.get("added", 0))
        moved |= getattr(complaint, field) != before
    refresh_due_at(complaint)
    return moved


RUNNING_DUE: dict[str, str] = {
    Status.REGISTERED: "acceptance_due",
    Status.ACCEPTED: "handling_due",
    Status.DISPATCHED: "sign_due",
    Status.IN_PROGRESS: "handling_due",
    Status.PENDING_APPROVAL: "handling_due",
    Status.APPROVED: "handling_due",
    Status.REPLIED: "followup_due",
    Status.UNDER_REVIEW: "review_due",
}


def running_field(complaint: Complaint) -> str:
    """The due-date field the complaint runs against in its current state."""
    return RUNNING_DUE.get(complaint.status, "due_at")


def refresh_due_at(complaint: Complaint) -> None:
    field = RUNNING_DUE.get(complaint.status)
    due = getattr(complaint, field) if field and complaint.status in OPEN else None
    if due and field == "handling_due" and complaint.agreed_due:
        due = min(due, complaint.agreed_due)
    complaint.due_at = due


# -- what the due dates mean now: derived at query time ----------------------------------------
DUE_SOON_HOURS = 48
TIMING_LABELS = {
    "on_time": gettext_lazy("正常"),
    "due_soon": gettext_lazy("即将到期"),
    "overdue": gettext_lazy("已超期"),
    "closed_on_time": gettext_lazy("按期办结"),
    "closed_late": gettext_lazy("超期办结"),
}


def overdue_q(now: dt.datetime) -> Q:
    """The complaints past the deadline they are running against (``timing`` "overdue", in SQL)."""
    return Q(due_at__lt=now)


def due_soon_q(now: dt.datetime) -> Q:
    """The complaints due within ``DUE_SOON_HOURS`` and not yet overdue (``timing`` "due_soon")."""
    return Q(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=DUE_SOON_HOURS))


def timing(c: Complaint, now: dt.datetime | None = None) -> str:
    """on_time, due_soon, overdue, closed_on_time, closed_late — derived at query time."""
    now = now or timezone.now()
    if c.status not in OPEN:
        if c.status not in (Status.CLOSED, Status.ARCHIVED) or not c.closed_at:
            return ""  # declined, withdrawn, merged: no handling deadline was run to its end
        return "closed_late" if c.handling_due and c.closed_at > c.handling_due else "closed_on_time"
    if c.due_at is None:
        return "on_time"
    if c.due_at < now:
        return "overdue"
    if c.due_at < now + dt.timedelta(hours=DUE_SOON_HOURS):
        return "due_soon"
    return "on_time"


def running_rule(c: Complaint) -> str | None:
    kind = next((k for k, f in DUE_FIELDS.items() if f == RUNNING_DUE.get(c.status)), None)
    return (c.due_rules.get(kind) or {}).get("rule") if kind and c.due_at else None


def working_days_used(c: Complaint, now: dt.datetime | None = None) -> int:
    """Working days from receipt to closure (or to now while open), the receipt day not counted."""
    from tousu.calendar.store import current

    end = c.closed_at or now or timezone.now()
    try:
        return max(
            current().working_days_between(timezone.localtime(c.received_at).date(), timezone.localtime(end).date()), 0
        )
    except ValueError:
        return 0
