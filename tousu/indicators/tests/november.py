"""A hand-computed November 2026 (Beijing time) for the indicator and scorecard tests: each
complaint is registered through the intake service, then given the dates and outcomes the tests
reason about (a plain-row factory, STYLE §6); every figure is worked out by hand in the tests.

    key  unit/handler      received (Beijing)   status / closed       handling due   other
    c1   amr / handler     11-02 09:00          closed 11-18 10:00    11-20 24:00    满意, 1 return
    c2   amr / handler     11-05 10:00          closed 11-17 16:00    11-15 24:00    基本满意, repeat of c1 (late)
    c3   amr / handler     11-10 10:00          in progress, due_at   11-25 24:00    2 returns (open, overdue)
    c4   amr / handler     11-30 23:59          closed 12-03 10:00    12-14 24:00    不满意, liable (amr ½, handler ½)
    c5   amr / handler     12-01 00:00          closed 12-02 10:00    12-10 24:00    December's, not November's
    c6   amr / handler     11-12 10:00          withdrawn 11-13                      received, never to be handled
    c7   amr / handler     11-15 10:00          invalid (无效)                        not counted at all
    c8   housing / housing 11-03 10:00          closed 11-10 10:00    11-20 24:00    联系不上; liable determination
                                                                                     superseded by a not-liable one
    c9   housing / housing 11-20 10:00          in progress, due_at   12-31 24:00    open, not overdue
    c10  amr / handler     11-08 10:00          an inquiry (咨询)                     not a complaint: not counted
    c11  — (returned)      11-20 10:00          accepted again        —              dispatched to amr and
                                                                                     returned by 陈静 (walked through
                                                                                     the services): one return by
                                                                                     amr and by 陈静
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tousu.accountability.models import Determination, Share
from tousu.accounts.models import Unit, User
from tousu.complaints.models import Complaint
from tousu.indicators.periods import BEIJING

# Every "now" of these tests: after the last due date that matters, before c9's.
NOW = dt.datetime(2026, 12, 10, 12, 0, tzinfo=BEIJING)


def bj(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


def end(month: int, day: int) -> dt.datetime:
    """24:00 of the day, Beijing (the handling due of a day-counted period)."""
    return bj(month, day, 23, 59) + dt.timedelta(seconds=59)


def build(register: Any, walk: Any, org: dict[str, User]) -> dict[str, Complaint]:
    amr, housing = Unit.objects.get(code="amr"), Unit.objects.get(code="housing")
    h, hh = org["handler"], org["housing"]
    rows: dict[str, dict[str, Any]] = {
        "c1": {
            "received_at": bj(11, 2, 9),
            "status": "closed",
            "closed_at": bj(11, 18),
            "handling_due": end(11, 20),
            "satisfaction": "satisfied",
            "returns_count": 1,
        },
        "c2": {
            "received_at": bj(11, 5),
            "status": "closed",
            "closed_at": bj(11, 17, 16),
            "handling_due": end(11, 15),
            "satisfaction": "basic",
        },
        "c3": {
            "received_at": bj(11, 10),
            "status": "in_progress",
            "handling_due": end(11, 25),
            "due_at": end(11, 25),
            "returns_count": 2,
        },
        "c4": {
            "received_at": bj(11, 30, 23, 59),
            "status": "closed",
            "closed_at": bj(12, 3),
            "handling_due": end(12, 14),
            "satisfaction": "unsatisfied",
        },
        "c5": {"received_at": bj(12, 1, 0, 0), "status": "closed", "closed_at": bj(12, 2), "handling_due": end(12, 10)},
        "c6": {"received_at": bj(11, 12), "status": "withdrawn", "closed_at": bj(11, 13)},
        "c7": {
            "received_at": bj(11, 15),
            "status": "closed",
            "closed_at": bj(11, 16),
            "handling_due": end(11, 20),
            "validity": "invalid",
        },
        "c8": {
            "received_at": bj(11, 3),
            "status": "closed",
            "closed_at": bj(11, 10),
            "handling_due": end(11, 20),
            "satisfaction": "unreachable",
        },
        "c9": {"received_at": bj(11, 20), "status": "in_progress", "handling_due": end(12, 31), "due_at": end(12, 31)},
        "c10": {
            "received_at": bj(11, 8),
            "status": "closed",
            "closed_at": bj(11, 9),
            "handling_due": end(11, 20),
            "kind": "inquiry",
        },
    }
    # Walked first: the walk checks the whole audit log, which the rows set below bypass.
    returned = walk(register(), "accept", "dispatch", "return")
    made: dict[str, Complaint] = {}
    for key, fields in rows.items():
        c = register()
        unit, handler = (housing, hh) if key in ("c8", "c9") else (amr, h)
        fields = {"handling_unit": unit, "handler": handler, "due_at": None, "repeat_of": None, **fields}
        Complaint.objects.filter(pk=c.pk).update(**fields)
        made[key] = Complaint.objects.get(pk=c.pk)
    Complaint.objects.filter(pk=made["c2"].pk).update(repeat_of=made["c1"])
    Complaint.objects.filter(pk=returned.pk).update(received_at=bj(11, 20), repeat_of=None)
    made["c11"] = Complaint.objects.get(pk=returned.pk)

    panel = org["panel"]
    d4 = Determination.objects.create(
        complaint=made["c4"], liable=True, reasons=["attitude"], decided_on=dt.date(2026, 12, 4), recorded_by=panel
    )
    Share.objects.create(determination=d4, position=1, unit=amr, numerator=1, denominator=2, amount=0)
    Share.objects.create(determination=d4, position=2, person=h, numerator=1, denominator=2, amount=0)
    old = Determination.objects.create(
        complaint=made["c8"],
        liable=True,
        reasons=["attitude"],
        decided_on=dt.date(2026, 11, 11),
        recorded_by=panel,
        superseded=True,
    )
    Share.objects.create(determination=old, position=1, unit=housing, numerator=1, denominator=1, amount=0)
    Determination.objects.create(
        complaint=made["c8"],
        liable=False,
        reasons=["misunderstanding"],
        decided_on=dt.date(2026, 11, 20),
        recorded_by=panel,
    )
    return made
