"""Process failures read from a complaint's deadline history (SPEC §10, seeds 000-41, 002-57…80,
003-18): sanctions answer not only for a substantiated complaint but for how it was handled.

From the record of a closed complaint — its due dates, the events with their times and actors, the
repeats it drew — this finds:

- ``late_sign``: the unit signed for it after the sign-for deadline (the person who signed);
- ``overrun``: the reply came after the handling deadline, which already counts every approved
  extension, so the overrun was never approved (003-18; the handler and the handling unit);
- ``late_follow_up``: the return visit after its deadline (the person who made it, 002-80);
- ``shelved``: while the unit held the case, a stretch of the preset's working days with no step
  of its own, suspensions aside (搁置, 000-41; the handler and the unit);
- ``caused_repeat`` / ``caused_skip_level``: a repeat complaint received while this one was
  overdue (002-73/76), skip-level where it came from a higher body (``upgraded_from``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tousu.accounts.models import Unit, User
from tousu.calendar.store import current as calendar
from tousu.complaints.models import Complaint, Event

# The steps that are the unit's own work on a case, for the shelving gap.
UNIT_STEPS = frozenset(
    {"sign", "assign_handler", "sub_dispatch", "give_opinion", "request_extension", "suspend", "resume", "escalate",
     "submit_result", "record_investigation", "attach", "make_letter", "reply"}
)  # fmt: skip


@dataclass(frozen=True)
class Failure:
    trigger: str
    person: User | None
    unit: Unit | None
    on: dt.date  # the day the breach happened: the missed deadline's day
    what: str  # in words, for the trail


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _text(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def _late(due: dt.datetime, done: dt.datetime) -> str:
    days = calendar().working_days_between(_day(due), _day(done))
    late = f"超期{days}个工作日" if days > 0 else "当日超时"
    return f"期限{_text(due)}，实际{_text(done)}，{late}"


def _first(events: list[Event], action: str) -> Event | None:
    return next((e for e in events if e.action == action), None)


def _last(events: list[Event], action: str) -> Event | None:
    return next((e for e in reversed(events) if e.action == action), None)


def failures(c: Complaint) -> list[Failure]:
    events = list(Event.objects.filter(complaint=c).select_related("actor").order_by("seq"))
    found: list[Failure] = []
    sign = _last(events, "sign")
    if sign is not None and c.sign_due is not None and sign.created_at > c.sign_due:
        found.append(
            Failure(
                "late_sign", sign.actor, c.handling_unit, _day(c.sign_due), "签收" + _late(c.sign_due, sign.created_at)
            )
        )
    replied = c.replied_at
    if replied is not None and c.handling_due is not None and replied > c.handling_due:
        found.append(
            Failure(
                "overrun", c.handler, c.handling_unit, _day(c.handling_due), "答复" + _late(c.handling_due, replied)
            )
        )
    visit = _first(events, "follow_up")
    if visit is not None and c.followup_due is not None and visit.created_at > c.followup_due:
        found.append(
            Failure(
                "late_follow_up",
                visit.actor,
                None,
                _day(c.followup_due),
                "回访" + _late(c.followup_due, visit.created_at),
            )
        )
    found += _shelved(c, events)
    if c.handling_due is not None:
        end = replied or timezone.now()
        repeats = Complaint.objects.filter(repeat_of=c, received_at__gt=c.handling_due, received_at__lt=end)
        for r in repeats.order_by("received_at", "pk"):
            trigger = "caused_skip_level" if r.upgraded_from else "caused_repeat"
            source = f"（{r.upgraded_from}）" if r.upgraded_from else ""
            found.append(
                Failure(
                    trigger,
                    c.handler,
                    c.handling_unit,
                    _day(r.received_at),
                    f"超期未办期间，投诉人于{_text(r.received_at)}再次投诉{source}，编号{r.number}",
                )
            )
    return found


def _shelved(c: Complaint, events: list[Event]) -> list[Failure]:
    """The longest stretch, in working days, between the unit's own steps while it held the case
    (from dispatch to its result), suspensions not counted."""
    from tousu.complaints.preset import active

    limit = active().accountability.sanctions.shelved_working_days
    start = next((e for e in events if e.action in ("dispatch", "decide_dispatch") and e.to_status), None)
    done = _first(events, "submit_result") or _first(events, "reply")
    if start is None or done is None or c.handling_unit_id is None:
        return []
    cal = calendar()
    last, worst, worst_at = start.created_at, 0, None
    suspended = False
    for e in events:
        if e.seq <= start.seq or e.seq > done.seq:
            continue
        if e.action not in UNIT_STEPS:
            continue
        if not suspended:
            gap = cal.working_days_between(_day(last), _day(e.created_at))
            if gap > worst:
                worst, worst_at = gap, last
        suspended = e.action == "suspend"
        last = e.created_at
    if worst < limit or worst_at is None:
        return []
    return [
        Failure(
            "shelved",
            c.handler,
            c.handling_unit,
            cal.add_working_days(_day(worst_at), limit),
            f"自{_text(worst_at)}起连续{worst}个工作日无办理记录（搁置标准{limit}个工作日）",
        )
    ]
