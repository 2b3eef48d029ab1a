"""The statistics service (SPEC §11, issue 16 §4): the indicators of ``definitions`` over a period,
as a total, per time bucket or per dimension, with month-on-month (环比) and year-on-year (同比)
change and the Pareto of categories and causes. The formulas and the rules of each grouping are
written out in ``docs/indicators.md`` ("Statistics").

    from tousu.indicators.stats import StatsQuery, stats
    out = stats(actor, StatsQuery(period="2026-11", by="category"))

Every figure is a database aggregate over the complaints the actor may see
(``access.visible_complaints``), narrowed by the query's unit (and its subtree), category, grade
and channel: one query for the total, one for each comparison period and one ``GROUP BY`` for
the grouping — never a loop over complaints. Groups that fold into a parent (a sub-category into
its top-level category, a unit into its region) are added up afterwards over the group rows:
every count is additive, and the rates are worked out from the added counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticError
from typing_extensions import TypedDict

from tousu.accounts.models import Unit, User
from tousu.accounts.services import get_unit
from tousu.complaints.access import visible_complaints
from tousu.complaints.models import Category, Channel, Complaint, Grade, Respondent
from tousu.complaints.preset import active
from tousu.core.errors import ValidationFailed
from tousu.indicators import definitions, periods
from tousu.indicators.definitions import Rate, StatsFigures
from tousu.indicators.periods import BEIJING, Period

# Time buckets inside the period, in order; empty buckets are present with zero figures.
BUCKETS = ("day", "week", "month", "quarter", "half", "year")
# Dimensions: one GROUP BY on a property of the complaint; labels are names, never codes.
DIMENSIONS = ("category", "grade", "channel", "unit", "respondent", "product", "region", "cause")
# The groupings that put every complaint in exactly one group (a respondent or product: in as
# many as it names; a cause: the standing determination's, read through a join).
PARTITIONS = (*BUCKETS, "category", "grade", "channel", "unit", "region")
# The dimensions a Pareto is drawn for (by ``received``, the blank group left out).
PARETO = ("category", "cause")
# Every figure the change (环比/同比) is given for: counts and averages as a relative change,
# rates as a difference.
RATES = (*definitions.RATES, "upgraded_rate")
COUNTS = (*definitions.COUNTS, "overdue", "closed_working_days", "upgraded", "avg_working_days")
PLACES = Decimal("0.0001")


class StatsQuery(BaseModel):
    """What to count. Bad values raise ValidationFailed (a clear Chinese message), never a 500."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    period: str = Field(
        "",
        max_length=30,
        description="统计期间：2026-11（月）、2026-Q4（季度）、2026-H2（半年）、2026（年）、2026-W45（周），"
        "或 2026-11-03..2026-11-20（起止日期，含两端）；缺省为本月。按受理时间（北京时间）计",
    )
    by: str = Field(
        "",
        max_length=20,
        description="分组：时间 day/week/month/quarter/half/year（期间内逐日、逐周……，空档计零），"
        "或维度 category/grade/channel/unit/respondent/product/region/cause；空为不分组",
    )
    unit: str = Field("", max_length=64, description="只看此承办单位（单位代码）")
    subtree: bool = Field(True, description="连同下级单位（缺省为是）")
    category: str = Field("", max_length=40, description="只看此类别（类别代码，含其子类别）")
    grade: str = Field("", max_length=40, description="只看此等级（等级代码）")
    channel: str = Field("", max_length=16, description="只看此渠道（渠道代码）")
    compare: bool = Field(True, description="计算环比（上一同类期间）和同比（上年同期）")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except PydanticError as exc:
            fields = "、".join(".".join(str(p) for p in e["loc"]) or "?" for e in exc.errors())
            problems = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors()]
            raise ValidationFailed(_("统计参数有误：%(f)s") % {"f": fields}, errors=problems) from None
        if self.by and self.by not in BUCKETS and self.by not in DIMENSIONS:
            raise ValidationFailed(
                _("未知的分组方式「%(by)s」：可按 day、week、month、quarter、half、year 或 %(d)s 分组")
                % {"by": self.by, "d": "、".join(DIMENSIONS)},
                field="by",
            )
        if self.channel and self.channel not in Channel.values:
            raise ValidationFailed(_("未知的渠道：%(c)s") % {"c": self.channel}, field="channel")


class PeriodOut(TypedDict):
    code: str
    label: str
    first: dt.date
    last: dt.date


class Change(TypedDict):
    mom: Annotated[Decimal | None, Field(description="环比：较上一同类期间")]
    yoy: Annotated[Decimal | None, Field(description="同比：较上年同期")]


class Group(TypedDict):
    key: Annotated[str, Field(description="分组代码（类别、等级、渠道、单位代码，时间段代码，名称）；空为未填")]
    label: str
    first: Annotated[dt.date | None, Field(description="时间分组：本段的第一天（已截至统计期间内）")]
    last: Annotated[dt.date | None, Field(description="时间分组：本段的最后一天")]
    figures: StatsFigures


class ParetoRow(TypedDict):
    key: str
    label: str
    count: Annotated[int, Field(description="受理量")]
    share: Annotated[Decimal, Field(description="占比（四位小数）")]
    cumulative: Annotated[Decimal, Field(description="累计占比（四位小数），末行为 1.0000")]


class StatsOut(TypedDict):
    period: PeriodOut
    by: str
    total: StatsFigures
    previous: Annotated[StatsFigures | None, Field(description="上一同类期间（环比的基数）；compare=false 时为空")]
    previous_period: PeriodOut | None
    last_year: Annotated[StatsFigures | None, Field(description="上年同期（同比的基数）；compare=false 时为空")]
    last_year_period: PeriodOut | None
    change: Annotated[
        dict[str, Change],
        Field(
            description="各指标的环比、同比：件数与平均工作日为相对变化 (本期−基期)/基期，比率为差值；基期为 0 或空时为空"
        ),
    ]
    groups: list[Group]
    pareto: list[ParetoRow]


# -- the period and its comparisons ---------------------------------------------------------------
def read_period(text: str) -> Period:
    """``2026-11`` … as ``periods.parse`` reads them, or ``2026-11-03..2026-11-20``; blank: this month."""
    text = (text or "").strip()
    if ".." in text:
        first, _sep, last = text.partition("..")
        return periods.span(first, last)
    return periods.resolve(text)


_KIND = (
    (re.compile(r"^\d{4}-\d{2}$"), "month"),
    (re.compile(r"^\d{4}-Q\d$"), "quarter"),
    (re.compile(r"^\d{4}-H\d$"), "half"),
    (re.compile(r"^\d{4}-W\d{2}$"), "week"),
    (re.compile(r"^\d{4}$"), "year"),
)


def _kind(period: Period) -> str:
    return next((kind for pattern, kind in _KIND if pattern.match(period.code)), "span")


def _a_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def previous(period: Period) -> Period | None:
    """The period before, of the same kind (环比): the month before a month, the quarter before a
    quarter, the week before a week …; for a span of days, as many days just before it. None
    before the calendar's first year."""
    kind = _kind(period)
    before = period.first - dt.timedelta(days=1)
    try:
        if kind == "week":
            iso = before.isocalendar()
            return periods.parse(f"{iso.year}-W{iso.week:02d}")
        if kind in ("month", "quarter", "half", "year"):
            return periods.containing(before, kind)
        days = (period.last - period.first).days
        return periods.span((before - dt.timedelta(days=days)).isoformat(), before.isoformat())
    except ValidationFailed:
        return None


def last_year(period: Period) -> Period | None:
    """The same period a year earlier (同比): the same month, quarter, half, year or ISO week, or
    the same dates, of the year before. None before the calendar's first year."""
    kind = _kind(period)
    try:
        if kind == "week":
            year, week = int(period.code[:4]) - 1, int(period.code[-2:])
            if week == 53 and dt.date(year, 12, 28).isocalendar().week == 52:
                week = 52  # a 53rd week compares with the last week of a 52-week year
            return periods.parse(f"{year}-W{week:02d}")
        if kind in ("month", "quarter", "half", "year"):
            return periods.containing(_a_year_before(period.first), kind)
        return periods.span(_a_year_before(period.first).isoformat(), _a_year_before(period.last).isoformat())
    except ValidationFailed:
        return None


def _period_out(period: Period | None) -> PeriodOut | None:
    if period is None:
        return None
    return PeriodOut(code=period.code, label=period.label, first=period.first, last=period.last)


# -- the complaints counted -----------------------------------------------------------------------
def _categories(code: str) -> list[int]:
    """The ids of the category ``code`` of the preset in force and of every category below it."""
    rows = list(Category.objects.in_force().values_list("id", "code", "parent_id"))
    found = [pk for pk, c, _p in rows if c == code]
    if not found:
        raise ValidationFailed(_("未知的类别：%(c)s") % {"c": code}, field="category")
    children: dict[int | None, list[int]] = defaultdict(list)
    for pk, _c, parent in rows:
        children[parent].append(pk)
    out, todo = [], list(found)
    while todo:
        pk = todo.pop()
        out.append(pk)
        todo.extend(children[pk])
    return out


def scoped(actor: User, q: StatsQuery) -> QuerySet[Complaint]:
    """The complaints ``actor`` may see, narrowed as ``q`` says (any period)."""
    qs = visible_complaints(actor)
    if q.unit:
        unit = get_unit(q.unit, field="unit")
        qs = qs.filter(handling_unit__in=unit.subtree_ids()) if q.subtree else qs.filter(handling_unit=unit)
    if q.category:
        qs = qs.filter(category__in=_categories(q.category))
    if q.grade:
        grade = Grade.objects.in_force().filter(code=q.grade).first()
        if grade is None:
            raise ValidationFailed(_("未知的等级：%(g)s") % {"g": q.grade}, field="grade")
        qs = qs.filter(grade=grade)
    if q.channel:
        qs = qs.filter(channel=q.channel)
    return qs


# Days past today up to which a closure's working days are counted exactly: closures are never
# in the future (the services date them now), but a clock running ahead or a record imported
# with a later date should not be cut short.
CLOSED_LEEWAY = dt.timedelta(days=62)


def _closed_until(period: Period, now: dt.datetime) -> dt.date:
    """The last day up to which the working days to a closure are counted (a later closure counts
    as on that day): today or the period's last day, whichever is later, and some leeway."""
    today = max(now, timezone.now()).astimezone(BEIJING).date()
    return min(max(today, period.last) + CLOSED_LEEWAY, dt.date(periods.LAST_YEAR, 12, 31))


def _expressions(period: Period, now: dt.datetime) -> dict[str, Any]:
    return {
        **definitions.counts_expressions(now),
        **definitions.extra_expressions(period.first, period.last, _closed_until(period, now)),
    }


def period_figures(qs: QuerySet[Complaint], period: Period, now: dt.datetime) -> StatsFigures:
    """Every figure of the complaints of ``qs`` received in ``period``, in one query."""
    counted = definitions.counted(qs.filter(period.received()))
    return definitions.stats_figures_of(counted.aggregate(**_expressions(period, now)))


# -- groups -----------------------------------------------------------------------------------------
def _grouped(qs: QuerySet[Any], key: str, period: Period, now: dt.datetime) -> list[dict[str, Any]]:
    """One GROUP BY ``key`` (a field or an annotation of ``qs``) with every count."""
    return list(qs.values(key).annotate(**_expressions(period, now)).order_by())


def _add(rows: Iterable[tuple[Any, Mapping[str, Any]]]) -> dict[Any, dict[str, int]]:
    """The counts of rows with the same key added up (every count is additive)."""
    names = (*definitions.COUNTS, *definitions.EXTRA_COUNTS)
    out: dict[Any, dict[str, int]] = {}
    for key, counts in rows:
        into = out.setdefault(key, dict.fromkeys(names, 0))
        for name in names:
            into[name] += int(counts.get(name) or 0)
    return out


def _group(
    key: Any, label: str, counts: Mapping[str, Any], first: dt.date | None = None, last: dt.date | None = None
) -> Group:
    return Group(
        key="" if key is None else str(key),
        label=label,
        first=first,
        last=last,
        figures=definitions.stats_figures_of(counts),
    )


def _buckets(period: Period, by: str) -> list[Period]:
    """The days, ISO weeks (Monday first), months … of the period, clipped to it, in order."""
    out, day = [], period.first
    while day <= period.last:
        if by == "day":
            whole = Period(day, day, day.isoformat(), day.isoformat())
        elif by == "week":
            iso = day.isocalendar()
            whole = periods.parse(f"{iso.year}-W{iso.week:02d}")
        else:
            whole = periods.containing(day, by)
        first, last = max(whole.first, period.first), min(whole.last, period.last)
        out.append(Period(first, last, whole.code, whole.label))
        day = last + dt.timedelta(days=1)
    return out


def _by_time(qs: QuerySet[Complaint], period: Period, by: str, now: dt.datetime) -> list[Group]:
    buckets = _buckets(period, by)
    starts = [b.start for b in buckets[1:]]
    counted = definitions.counted(qs.filter(period.received())).annotate(
        bucket=definitions.steps("received_at", starts)
    )
    rows = {row["bucket"]: row for row in _grouped(counted, "bucket", period, now)}
    return [_group(b.code, b.label, rows.get(n, {}), b.first, b.last) for n, b in enumerate(buckets)]


def _ordered(groups: list[Group]) -> list[Group]:
    """Most received first, then by label; the blank group (未填) last."""
    return sorted(groups, key=lambda g: (g["key"] == "", -g["figures"]["received"], g["label"], g["key"]))


def _by_category(counted: QuerySet[Complaint], period: Period, now: dt.datetime, q: StatsQuery) -> list[Group]:
    """Top-level categories: a sub-category counts under its top-level category. Narrowed to a
    category, its own children (a grandchild under its child) and the category itself."""
    cats = {
        pk: (code, name, parent)
        for pk, code, name, parent in Category.objects.in_force().values_list("id", "code", "name", "parent_id")
    }
    top = None
    if q.category:
        top = next(pk for pk, (code, _n, _p) in cats.items() if code == q.category)

    def fold(pk: int | None) -> int | None:
        at = pk
        while at is not None and at in cats:
            parent = cats[at][2]
            if at == top or parent == top:
                return at
            at = parent
        return pk  # none, or a category of another preset: itself

    rows = _grouped(counted, "category", period, now)
    added = _add((fold(r["category"]), r) for r in rows)
    shown = [pk for pk, (_c, _n, parent) in cats.items() if parent == top]
    groups = [_group(cats[pk][0], cats[pk][1], added.pop(pk, {})) for pk in shown]
    others = Category.objects.in_bulk([pk for pk in added if pk is not None])
    for pk, counts in added.items():  # the narrowed-to category itself, another preset's, or none
        groups.append(_group(others[pk].code, others[pk].name, counts) if pk else _group(None, _("未分类"), counts))
    return _ordered(groups)


def _by_grade(counted: QuerySet[Complaint], period: Period, now: dt.datetime) -> list[Group]:
    grades = list(Grade.objects.in_force().order_by("rank", "code").values_list("id", "code", "name"))
    rows = {r["grade"]: r for r in _grouped(counted, "grade", period, now)}
    groups = [_group(code, name, rows.pop(pk, {})) for pk, code, name in grades]
    others = Grade.objects.in_bulk([pk for pk in rows if pk is not None])
    groups += [_group(others[pk].code, others[pk].name, r) for pk, r in rows.items() if pk is not None]
    if None in rows:
        groups.append(_group(None, _("未分级"), rows[None]))
    return groups


def _channel_label(code: str) -> str:
    own = active().labels.channels.get(code)
    if own:
        return str(own)
    return str(Channel(code).label) if code in Channel.values else code


def _by_channel(counted: QuerySet[Complaint], period: Period, now: dt.datetime) -> list[Group]:
    rows = {r["channel"]: r for r in _grouped(counted, "channel", period, now)}
    codes = list(active().channels) + [c for c in rows if c not in active().channels]
    return _ordered([_group(c, _channel_label(c), rows.get(c, {})) for c in codes])


def _units(ids: Iterable[int | None]) -> dict[int, Unit]:
    return Unit.objects.in_bulk([pk for pk in ids if pk is not None])


def _by_unit(counted: QuerySet[Complaint], period: Period, now: dt.datetime, region: bool = False) -> list[Group]:
    """The handling unit; ``region``: the handling unit's region, the unit directly below the top
    of the unit tree that it lies in (a top unit is its own region)."""
    rows = _grouped(counted, "handling_unit", period, now)
    units = _units(r["handling_unit"] for r in rows)

    def key(pk: int | None) -> int | None:
        if pk is None or not region:
            return pk
        lineage = units[pk].lineage_ids()
        return lineage[1] if len(lineage) > 1 else lineage[0]

    added = _add((key(r["handling_unit"]), r) for r in rows)
    names = _units(added) if region else units
    return _ordered(
        [
            _group(names[pk].code, names[pk].name, counts) if pk is not None else _group(None, _("未分派"), counts)
            for pk, counts in added.items()
        ]
    )


def _respondent_name(prefix: str) -> Any:
    """The respondent's name: the unit named (被投诉单位), else the person (被投诉人员)."""
    return Coalesce(NullIf(f"{prefix}unit_name", Value("")), f"{prefix}staff_name")


def _respondent_product(prefix: str) -> Any:
    return F(f"{prefix}product_name")


def _by_respondent(
    counted: QuerySet[Complaint], period: Period, now: dt.datetime, value: Callable[[str], Any], blank: str
) -> list[Group]:
    """By a respondent's text (name, product), one GROUP BY over the complaints joined to their
    respondents: a complaint naming two counts under each, once under each (a respondent row
    repeating an earlier one's value on the same complaint is left out)."""
    earlier = (
        Respondent.objects.filter(complaint=OuterRef("pk"), pk__lt=OuterRef("respondent"))
        .annotate(value=value(""))
        .filter(value=OuterRef("value"))
    )
    joined = counted.annotate(respondent=F("respondents__pk"), value=value("respondents__")).filter(~Exists(earlier))
    rows = _grouped(joined, "value", period, now)
    added = _add(((r["value"] or "").strip(), r) for r in rows)
    return _ordered([_group(k, k or blank, counts) for k, counts in added.items()])


def _by_cause(counted: QuerySet[Complaint], period: Period, now: dt.datetime) -> list[Group]:
    """The cause: the first reason of the standing determination (the one not superseded)."""
    standing = counted.annotate(
        standing=FilteredRelation("determinations", condition=Q(determinations__superseded=False))
    ).annotate(cause=F("standing__reasons__0"))
    rows = _grouped(standing, "cause", period, now)
    acc = active().accountability
    names = {r.code: str(r.name) for r in (*acc.liable_reasons, *acc.not_liable_reasons)}
    added = _add(((r["cause"] or ""), r) for r in rows)
    return _ordered([_group(k, names.get(k, k) if k else _("未认定"), counts) for k, counts in added.items()])


def groups(qs: QuerySet[Complaint], period: Period, q: StatsQuery, now: dt.datetime) -> list[Group]:
    """The groups of ``q.by`` (one GROUP BY), or [] when there is none."""
    if not q.by:
        return []
    if q.by in BUCKETS:
        return _by_time(qs, period, q.by, now)
    counted = definitions.counted(qs.filter(period.received()))
    dimension: dict[str, Callable[[], list[Group]]] = {
        "category": lambda: _by_category(counted, period, now, q),
        "grade": lambda: _by_grade(counted, period, now),
        "channel": lambda: _by_channel(counted, period, now),
        "unit": lambda: _by_unit(counted, period, now),
        "region": lambda: _by_unit(counted, period, now, region=True),
        "respondent": lambda: _by_respondent(counted, period, now, _respondent_name, _("未注明被投诉人")),
        "product": lambda: _by_respondent(counted, period, now, _respondent_product, _("未注明产品")),
        "cause": lambda: _by_cause(counted, period, now),
    }
    return dimension[q.by]()


# -- Pareto and change ------------------------------------------------------------------------------
def pareto(groups: list[Group]) -> list[ParetoRow]:
    """The groups with a key by received, most first: each one's share and the cumulative share
    (four places; the cumulative share is worked out from the cumulative count, so the last row
    is 1.0000 exactly)."""
    rows = sorted(
        (g for g in groups if g["key"] and g["figures"]["received"]),
        key=lambda g: (-g["figures"]["received"], g["label"], g["key"]),
    )
    total = sum(g["figures"]["received"] for g in rows)
    out, running = [], 0
    for g in rows:
        n = g["figures"]["received"]
        running += n
        out.append(
            ParetoRow(
                key=g["key"],
                label=g["label"],
                count=n,
                share=(Decimal(n) / total).quantize(PLACES, ROUND_HALF_UP),
                cumulative=(Decimal(running) / total).quantize(PLACES, ROUND_HALF_UP),
            )
        )
    return out


def relative(value: Any, base: Any) -> Decimal | None:
    """(value − base) / base to four places; None where the base is 0 or either is missing."""
    if value is None or base is None or not base:
        return None
    return ((Decimal(value) - Decimal(base)) / Decimal(base)).quantize(PLACES, ROUND_HALF_UP)


def difference(value: Decimal | None, base: Decimal | None) -> Decimal | None:
    """A rate's change: value − base, a fraction of one (0.0500 is 5 percentage points)."""
    if value is None or base is None:
        return None
    return (value - base).quantize(PLACES, ROUND_HALF_UP)


def change(total: StatsFigures, prev: StatsFigures | None, year: StatsFigures | None) -> dict[str, Change]:
    out: dict[str, Change] = {}
    for name in (*COUNTS, *RATES):
        how = difference if name in RATES else relative
        value = total[name]  # type: ignore[literal-required]
        out[name] = Change(
            mom=how(value, prev[name]) if prev else None,  # type: ignore[literal-required]
            yoy=how(value, year[name]) if year else None,  # type: ignore[literal-required]
        )
    return out


# -- the statistics ---------------------------------------------------------------------------------
def stats(actor: User, q: StatsQuery, now: dt.datetime | None = None) -> StatsOut:
    """The figures of ``q`` over the complaints ``actor`` may see: the total, the groups of
    ``q.by``, the Pareto (by category or cause) and, with ``q.compare``, the same figures of the
    period before (环比) and of the same period a year earlier (同比) with the change."""
    now = now or timezone.now()
    period = read_period(q.period)
    qs = scoped(actor, q)
    found = groups(qs, period, q, now)
    if q.by in PARTITIONS:
        # Every counted complaint is in exactly one group: the total is their sum, no query.
        total = definitions.stats_figures_of(_add(("", g["figures"]) for g in found).get("", {}))
    else:
        total = period_figures(qs, period, now)
    before = previous(period) if q.compare else None
    year = last_year(period) if q.compare else None
    prev_figures = period_figures(qs, before, now) if before else None
    # A year's 环比 and 同比 are both the year before: counted once.
    year_figures = prev_figures if year == before else period_figures(qs, year, now) if year else None
    return StatsOut(
        period=PeriodOut(code=period.code, label=period.label, first=period.first, last=period.last),
        by=q.by,
        total=total,
        previous=prev_figures,
        previous_period=_period_out(before),
        last_year=year_figures,
        last_year_period=_period_out(year),
        change=change(total, prev_figures, year_figures) if q.compare else {},
        groups=found,
        pareto=pareto(found) if q.by in PARETO else [],
    )


__all__ = ["BUCKETS", "DIMENSIONS", "Rate", "StatsFigures", "StatsOut", "StatsQuery", "stats"]
