"""Due dates come from one policy interface (SPEC §6).

The foundation ships ``DayCountPolicy``: natural days, the start day not counted (civil code
art. 201), ending at 24:00 of the last day. The working-day engine replaces it behind
``policy()`` without touching the services.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from django.utils import timezone

# Deadline kinds named in SPEC §6.
ACCEPTANCE, SIGN_FOR, HANDLING, REPORT_BACK, FOLLOW_UP, REVIEW, REVIEW_WINDOW = (
    "acceptance", "sign_for", "handling", "report_back", "follow_up", "review", "review_window")

DUE_FIELDS = {
    ACCEPTANCE: "acceptance_due",
    SIGN_FOR: "sign_due",
    HANDLING: "handling_due",
    REPORT_BACK: "report_due",
    FOLLOW_UP: "followup_due",
    REVIEW: "review_due",
    REVIEW_WINDOW: "review_window_ends",
}


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    rule: str
    provisional: bool = False


class DeadlinePolicy(Protocol):
    def due(self, complaint: object, kind: str, start: dt.datetime) -> Due | None:
        """The deadline of ``kind`` for ``complaint`` counted from ``start``, or None if none applies."""

    def shift(self, due: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime) -> dt.datetime:
        """``due`` moved later by the time paused between the two instants."""

    def add_days(self, due: dt.datetime, days: int) -> dt.datetime:
        """``due`` moved later by ``days`` counting units of the policy (an extension)."""


def end_of_day_after(start: dt.datetime, days: int) -> dt.datetime:
    """24:00 (local) of the ``days``-th natural day after ``start``'s day."""
    local = timezone.localtime(start)
    last = local.date() + dt.timedelta(days=days)
    midnight = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(midnight) - dt.timedelta(microseconds=1)


# Government efficiency preset, natural days for now (SPEC §12; working days come with the calendar).
GOVERNMENT_DAYS = {
    ACCEPTANCE: 5,
    SIGN_FOR: 1,
    ("handling", "transfer"): 10,
    ("handling", "assign"): 15,
    ("handling", "direct"): 15,
    ("handling", ""): 15,
    REPORT_BACK: 20,
    FOLLOW_UP: 5,
    REVIEW: 30,
    REVIEW_WINDOW: 15,
}


class DayCountPolicy:
    def __init__(self, days: dict) -> None:
        self.days = days

    def due(self, complaint: object, kind: str, start: dt.datetime) -> Due | None:
        if kind == HANDLING:
            mode = getattr(complaint, "dispatch_mode", "") or ""
            days = self.days.get((HANDLING, mode))
            rule = f"handling.{mode or 'default'}:{days}d"
        elif kind == REPORT_BACK and getattr(complaint, "dispatch_mode", "") != "assign":
            return None
        else:
            days = self.days.get(kind)
            rule = f"{kind}:{days}d"
        if days is None:
            return None
        return Due(end_of_day_after(start, days), rule)

    def shift(self, due: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime) -> dt.datetime:
        paused_days = (timezone.localtime(paused_to).date() - timezone.localtime(paused_from).date()).days
        return due + dt.timedelta(days=max(paused_days, 0))

    def add_days(self, due: dt.datetime, days: int) -> dt.datetime:
        return due + dt.timedelta(days=days)


_POLICY: DeadlinePolicy = DayCountPolicy(GOVERNMENT_DAYS)

# Extension cap in policy days (SPEC §6: extensions never exceed the cap; county centre: up to 30
# days for complex cases, i.e. 15 more than the normal 15).
EXTENSION_CAP_DAYS = 15


def policy() -> DeadlinePolicy:
    return _POLICY
