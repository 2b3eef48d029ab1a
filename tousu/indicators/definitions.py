"""The indicators (SPEC §11; formulas in ``docs/indicators.md``), each defined once, as database
aggregates over a complaint QuerySet the caller has already scoped to the actor and the period.

Counts are aggregate expressions (``COUNTS``); a rate is one count over another (``RATES``),
divided after the database has counted, so the same counts serve a total, a ``GROUP BY`` unit,
person, month or category alike::

    counts = counted(qs).aggregate(**counts_expressions(now))
    by_unit = counted(qs).values("handling_unit").annotate(**counts_expressions(now)).order_by()
    figures_of(counts)  # adds the rates and the overdue total

The statistics (``stats.py``) add two figures that the scorecards do not ask for, as further
aggregates (``extra_expressions``, ``stats_figures_of``): the working days taken to close, on the
working-day calendar, and the upgraded (越级/升级) complaints.

What counts (``counted``): complaints proper (kind 投诉), valid, and not merged into another (the
case it was merged into counts once). Withdrawn and declined ones count as received but are not
expected to close. Every figure is the state at query time: a reopened complaint is open again
(not closed, no on-time verdict) until it closes again, and is then judged on that closure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.db.models import Count, Exists, Expression, F, Func, IntegerField, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field
from typing_extensions import TypedDict

from tousu.complaints import dues
from tousu.complaints.models import Channel, Complaint, Kind, Satisfaction, Validity
from tousu.complaints.states import OPEN, Status

# Closed for good: closed or archived, with its closure time (dues.timing's "closed_*").
CLOSED = (Status.CLOSED, Status.ARCHIVED)
# Ended without being handled: not expected to close, so outside the closure rate's denominator.
ENDED_UNHANDLED = (Status.DECLINED, Status.WITHDRAWN)
# A rating given by the complainant; "unreachable" (联系不上) is no rating.
RATED = (Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED)
# The satisfaction rate counts 基本满意 as satisfied, as the hotline assessments do.
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASIC)


def counted(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints every indicator counts: kind 投诉, valid, not merged into another."""
    return qs.filter(kind=Kind.COMPLAINT, validity=Validity.VALID).exclude(status=Status.MERGED)


def liable_exists(outer: str = "pk") -> Exists:
    """The complaint's standing determination (the one not superseded on appeal) is liable."""
    from tousu.accountability.models import Determination

    return Exists(Determination.objects.filter(complaint=OuterRef(outer), superseded=False, liable=True))


def counts_expressions(now: dt.datetime | None = None) -> dict[str, Any]:
    """Every count, as an aggregate expression keyed by the indicator's name; ``now`` decides
    which open complaints are overdue."""
    now = now or timezone.now()
    closed = Q(status__in=CLOSED, closed_at__isnull=False)
    with_due = closed & Q(handling_due__isnull=False)
    return {
        "received": Count("id"),
        "handled": Count("id", filter=~Q(status__in=ENDED_UNHANDLED)),
        "closed": Count("id", filter=closed),
        "closed_with_due": Count("id", filter=with_due),
        "closed_on_time": Count("id", filter=with_due & Q(closed_at__lte=F("handling_due"))),
        "closed_late": Count("id", filter=with_due & Q(closed_at__gt=F("handling_due"))),
        # dues.timing's "overdue": open, past the deadline it is running against now.
        "open_overdue": Count("id", filter=Q(status__in=OPEN) & dues.overdue_q(now)),
        "rated": Count("id", filter=Q(satisfaction__in=RATED)),
        "satisfied": Count("id", filter=Q(satisfaction__in=SATISFIED)),
        "repeats": Count("id", filter=Q(repeat_of__isnull=False)),
        "returns": Coalesce(Sum("returns_count"), 0),
        "liable": Count("id", filter=Q(liable_exists())),
    }


COUNTS = (
    "received",
    "handled",
    "closed",
    "closed_with_due",
    "closed_on_time",
    "closed_late",
    "open_overdue",
    "rated",
    "satisfied",
    "repeats",
    "returns",
    "liable",
)

# Each rate: (numerator, denominator) among the counts.
RATES: dict[str, tuple[str, str]] = {
    "closure_rate": ("closed", "handled"),
    "on_time_rate": ("closed_on_time", "closed_with_due"),
    "satisfaction_rate": ("satisfied", "rated"),
    "repeat_rate": ("repeats", "received"),
    "liable_rate": ("liable", "received"),
}

LABELS: dict[str, Any] = {
    "received": _("受理量"),
    "handled": _("应办结量"),
    "closed": _("办结量"),
    "closure_rate": _("办结率"),
    "closed_with_due": _("有期限的办结量"),
    "closed_on_time": _("按期办结量"),
    "closed_late": _("超期办结量"),
    "on_time_rate": _("按期办结率"),
    "open_overdue": _("在办超期量"),
    "overdue": _("超期件数"),
    "rated": _("参评件数"),
    "satisfied": _("满意件数"),
    "satisfaction_rate": _("满意率"),
    "repeats": _("重复投诉量"),
    "repeat_rate": _("重复投诉率"),
    "returns": _("被退回次数"),
    "returns_made": _("退回次数（推诿扯皮）"),
    "liable": _("有责投诉量"),
    "liable_rate": _("有责投诉率"),
}

PLACES = Decimal("0.0001")


# A rate as the API documents it.
Rate = Annotated[Decimal | None, Field(description="比率（0 至 1，四位小数，0.8333 即 83.33%）；分母为 0 时为空")]


class Figures(TypedDict):
    received: int
    handled: int
    closed: int
    closed_with_due: int
    closed_on_time: int
    closed_late: int
    open_overdue: int
    overdue: Annotated[int, Field(description="在办超期件数加超期办结件数")]
    rated: int
    satisfied: int
    repeats: int
    returns: Annotated[int, Field(description="承办的投诉被退回的次数之和")]
    liable: Annotated[int, Field(description="承办的投诉中被认定有责的件数")]
    closure_rate: Rate
    on_time_rate: Rate
    satisfaction_rate: Rate
    repeat_rate: Rate
    liable_rate: Rate


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a fraction of one, to four places (0.8333 is 83.33 %); None
    where the denominator is nought (no such cases: the rate is undefined, not 0 % nor 100 %)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(PLACES, ROUND_HALF_UP)


def figures_of(counts: Mapping[str, Any]) -> Figures:
    """The counts (missing ones are 0: a group with no rows) with the rates and the overdue total."""
    c = {name: int(counts.get(name) or 0) for name in COUNTS}
    rates = {name: rate(c[a], c[b]) for name, (a, b) in RATES.items()}
    return Figures(**c, overdue=c["open_overdue"] + c["closed_late"], **rates)  # type: ignore[typeddict-item]


def figures(qs: QuerySet[Complaint], now: dt.datetime | None = None) -> Figures:
    """Every indicator over ``qs`` (already scoped and limited to the period), in one query."""
    return figures_of(counted(qs).aggregate(**counts_expressions(now)))


def returns_made(qs: QuerySet[Complaint], by: str) -> dict[Any, int]:
    """Returns (退回, the 推诿扯皮 figure of a unit or person) made on the counted complaints of
    ``qs``, per unit code (``by="unit"``: the unit that returned the case) or per user id
    (``by="person"``: who returned it), read off the history's return entries in one GROUP BY.
    Unlike ``returns`` (how often the group's complaints were bounced, whoever bounced them),
    this charges the return to whoever made it, not to the unit that holds the case now."""
    from tousu.complaints.models import Event

    key = "payload__unit" if by == "unit" else "actor"
    events = Event.objects.filter(action="return", complaint__in=counted(qs).values("id"))
    rows = events.values(key).annotate(n=Count("id")).order_by()
    return {row[key]: row["n"] for row in rows if row[key]}


def figures_by(qs: QuerySet[Complaint], field: str, now: dt.datetime | None = None) -> dict[Any, Figures]:
    """Every indicator per value of ``field`` (``handling_unit``, ``handler`` …), one GROUP BY."""
    rows = counted(qs).values(field).annotate(**counts_expressions(now)).order_by()
    return {row[field]: figures_of(row) for row in rows}


# -- the statistics' further figures ---------------------------------------------------------------
# Upgraded (越级/升级投诉, SPEC §11 "skip-level/upgraded rate"): it came from above — by the
# upgraded channel (上级/监管转办), with its source named (``upgraded_source`` at intake,
# ``upgraded_from``), or marked with the preset's 升级投诉 flag (every preset has the flag
# ``upgraded``; intake sets it for the channel, a clerk may set it on a complaint that came
# another way). Partners' statements read the same marks (``partners.services.is_upgraded``).
UPGRADED = Q(channel=Channel.UPGRADED) | ~Q(upgraded_from="") | ~Q(upgraded_source="") | Q(flags__has_key="upgraded")
AVG_PLACES = Decimal("0.01")


class Steps(Func):
    """How many of ``boundaries`` (ascending datetimes) are at or before the value of a datetime
    column, as a balanced tree of ``CASE WHEN column < boundary THEN … ELSE … END``: about
    log2(len) plain comparisons of the stored value per row — no date function (SQLite would call
    back into Python for one per row), no join. The time buckets and the working-day counts are
    both such step functions. The SQL is written here rather than from ``Case``/``When`` objects:
    a tree of thousands of those takes Django seconds to compile."""

    output_field = IntegerField()

    def __init__(self, field: str, boundaries: Sequence[dt.datetime]) -> None:
        super().__init__(F(field))
        self.boundaries = tuple(boundaries)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        column, column_params = compiler.compile(self.get_source_expressions()[0])
        values = [connection.ops.adapt_datetimefield_value(b) for b in self.boundaries]
        params: list[Any] = []

        def tree(lo: int, hi: int) -> str:
            # For a value v with boundaries[lo-1] <= v < boundaries[hi]: how many are <= v.
            if lo == hi:
                return str(lo)
            mid = (lo + hi + 1) // 2
            params.extend(column_params)
            params.append(values[mid - 1])
            below = tree(lo, mid - 1)
            return f"CASE WHEN {column} < %s THEN {below} ELSE {tree(mid, hi)} END"

        return tree(0, len(values)), params


def steps(field: str, boundaries: Sequence[dt.datetime]) -> Expression:
    """How many of ``boundaries`` are at or before the value of ``field`` (``Steps``)."""
    return Steps(field, boundaries)


def working_day_count(field: str, first: dt.date, last: dt.date) -> Expression:
    """The number of working days from ``first`` up to and including the Beijing day of ``field``
    (a datetime column), for values from 00:00 Beijing on ``first`` to the end of ``last``; 0
    before, the count at ``last`` after.

    The working-day calendar (statutory holidays, 调休 and the administrators' days) lives in
    Python (``tousu.calendar``), not in the database. It enters the query as data: the count is a
    step function of the time that rises by one at 00:00 Beijing of each working day (``steps``)."""
    from tousu.calendar.store import current
    from tousu.indicators.periods import BEIJING

    calendar = current()
    day, starts = first, []
    while day <= last:
        if calendar.is_working(day):
            starts.append(dt.datetime.combine(day, dt.time(), tzinfo=BEIJING))
        day += dt.timedelta(days=1)
    return steps(field, starts)


def working_days_expression(first: dt.date, last: dt.date, closed_until: dt.date) -> Expression:
    """Per complaint received from ``first`` to ``last`` and closed from then to ``closed_until``:
    the working days from receipt to closure, the receipt day not counted, as
    ``dues.working_days_used`` counts them: the working days up to the closure day less those up
    to the receipt day."""
    return working_day_count("closed_at", first, closed_until) - working_day_count("received_at", first, last)


def extra_expressions(first: dt.date, last: dt.date, closed_until: dt.date) -> dict[str, Any]:
    """The statistics' further counts over complaints received from ``first`` to ``last`` (Beijing
    days) and closed no later than ``closed_until``: ``closed_working_days``, the working days the
    closed ones took, and ``upgraded``. A closure recorded before the receipt counts 0 days."""
    closed = Q(status__in=CLOSED, closed_at__isnull=False)
    return {
        "closed_working_days": Coalesce(
            Sum(
                working_days_expression(first, last, closed_until),
                filter=closed & Q(closed_at__gte=F("received_at")),
            ),
            0,
        ),
        "upgraded": Count("id", filter=UPGRADED),
    }


EXTRA_COUNTS = ("closed_working_days", "upgraded")
LABELS.update(
    {
        "closed_working_days": _("办结用时合计（工作日）"),
        "avg_working_days": _("平均办理工作日"),
        "upgraded": _("越级（升级）投诉量"),
        "upgraded_rate": _("越级（升级）投诉率"),
    }
)


class StatsFigures(Figures):
    closed_working_days: Annotated[int, Field(description="已办结投诉自受理次日至办结日的工作日数之和")]
    avg_working_days: Annotated[
        Decimal | None, Field(description="平均办理工作日（两位小数）= 办结用时合计 ÷ 办结量；无办结时为空")
    ]
    upgraded: Annotated[int, Field(description="越级（升级）投诉量：上级/监管转办渠道、注明转办来源或带升级投诉标记")]
    upgraded_rate: Rate


def stats_figures_of(counts: Mapping[str, Any]) -> StatsFigures:
    """``figures_of`` plus the average working days to close and the upgraded count and rate."""
    f = figures_of(counts)
    days, upgraded = int(counts.get("closed_working_days") or 0), int(counts.get("upgraded") or 0)
    average = (Decimal(days) / Decimal(f["closed"])).quantize(AVG_PLACES, ROUND_HALF_UP) if f["closed"] else None
    return StatsFigures(
        **f,
        closed_working_days=days,
        avg_working_days=average,
        upgraded=upgraded,
        upgraded_rate=rate(upgraded, f["received"]),
    )
