"""Scorecards (考核计分, SPEC §10, issue 15 §4): per unit or per person and period, the shared
indicators (``tousu.indicators``) over the complaints the subject handled, the liable complaints
that name it, its counted sanctions with their points and fines, its rewards for clean months,
its net points, and a ranking. Every figure comes from aggregate queries (one ``GROUP BY`` per
kind of figure), never from a loop over complaints. The rules are written out in
``docs/indicators.md`` ("Scorecards").

- A unit's row counts the complaints it handled itself (``handling_unit`` is the unit, not a unit
  below it), so that the rows of a ranking never count a complaint twice; a person's row counts
  the complaints they handled (``handler``).
- Sanctions count by their breach day (``breach_on``) in the period, when their status counts
  (``COUNTED``: proposed, confirmed, under appeal, final).
- Rewards (seed 000-121 「每月完成工作无误的，奖励责任人B分100分/月，奖励部门负责人B分30分/月」):
  a person earns ``clean_month_points`` for each month of the period in which they handled a
  complaint received that month and no counted sanction on them fell in it; the head of a unit
  earns ``clean_month_head_points`` once for each month in which the unit handled a complaint
  received that month and no counted sanction fell on the unit or on any of its members (the
  seed pays the head per month, not per member). A unit's row shows its head's reward (none
  where the unit has no head).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accountability.models import COUNTED, Sanction, Share
from tousu.accounts.models import Role, Scope, Unit, User
from tousu.accounts.services import get_unit
from tousu.complaints.access import visible_complaints
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.core.errors import NotPermitted, ValidationFailed
from tousu.indicators import definitions
from tousu.indicators.definitions import Figures
from tousu.indicators.periods import BEIJING, Period

By = Literal["unit", "person"]
RankBy = Literal[
    "net_points",
    "on_time_rate",
    "satisfaction_rate",
    "closure_rate",
    "overdue",
    "named_liable",
    "repeat_rate",
    "returns_made",
]
# Each ranking key: the row's field and whether more is better. Ties are broken by the next keys
# of the composite, then by the subject's code, so the order is the same on every request.
RANKINGS: dict[str, tuple[str, bool]] = {
    "net_points": ("net_points", True),
    "on_time_rate": ("on_time_rate", True),
    "satisfaction_rate": ("satisfaction_rate", True),
    "closure_rate": ("closure_rate", True),
    "overdue": ("overdue", False),
    "named_liable": ("named_liable", False),
    "repeat_rate": ("repeat_rate", False),
    "returns_made": ("returns_made", False),
}
RANK_LABELS: dict[str, Any] = {
    "net_points": gettext_lazy("净得分（综合）"),
    "on_time_rate": gettext_lazy("按期办结率"),
    "satisfaction_rate": gettext_lazy("满意率"),
    "closure_rate": gettext_lazy("办结率"),
    "overdue": gettext_lazy("超期件数（少者在前）"),
    "named_liable": gettext_lazy("被认定有责件数（少者在前）"),
    "repeat_rate": gettext_lazy("重复投诉率（低者在前）"),
    "returns_made": gettext_lazy("退回次数（推诿扯皮，少者在前）"),
}
# The composite: net points first, then on-time rate, then satisfaction rate, then fewer liable.
TIE_BREAKERS = ("net_points", "on_time_rate", "satisfaction_rate", "named_liable")
# Who sees every row; a head sees their scope's units and people; a handler only their own row.
SEE_ALL = frozenset({Role.CENTER, Role.PANEL, Role.QUALITY, Role.AUDITOR, Role.ADMIN})


class ScorecardRow(Figures):
    rank: int
    code: Annotated[str, Field(description="单位代码或用户名")]
    name: str
    unit: Annotated[str, Field(description="按单位时为上级单位，按人员时为所属单位")]
    # returns (退回) the subject made on the period's complaints: 推诿扯皮
    returns_made: Annotated[int, Field(description="本单位/本人退回投诉的次数（推诿扯皮），按退回记录计")]
    # liable complaints whose determination names the subject in a share
    named_liable: Annotated[int, Field(description="责任认定中列为责任单位/责任人的有责投诉件数")]
    sanctions: int
    points_deducted: Decimal
    fines: Annotated[Decimal, Field(description="罚款合计（元）")]
    clean_months: int
    head_clean_months: int  # a person: the clean months of the units they head
    rewards: Decimal
    net_points: Decimal


class Scorecard(TypedDict):
    period: str
    label: str
    first: dt.date
    last: dt.date
    by: str
    rank_by: str
    rows: list[ScorecardRow]


# -- who may see which subjects -----------------------------------------------------------------
def may_view(actor: User) -> bool:
    """Whether ``actor`` may see any scorecard (their own row at least)."""
    return actor.is_superuser or actor.role in SEE_ALL or actor.role in (Role.HEAD, Role.HANDLER)


def own_row_only(actor: User) -> bool:
    """A handler sees their own row, by person, and nothing else."""
    return actor.role == Role.HANDLER and not actor.is_superuser


def default_by(actor: User) -> By:
    """By unit, but by person for a handler (the only rows they may see): the page and the API alike."""
    return "person" if own_row_only(actor) else "unit"


def unit_choices(actor: User) -> list[tuple[str, str]]:
    """The units ``actor`` may narrow the scorecard to (code, name), for the page's picker."""
    if not may_view(actor) or own_row_only(actor):
        return []
    return [(u.code, u.name) for u in _subjects(actor, "unit", None)]


def _subjects(actor: User, by: By, unit: Unit | None, period: Period | None = None) -> QuerySet[Any]:
    """The units or people ``actor`` may see a row of (within ``unit``'s subtree if given; people:
    those involved in ``period``)."""
    if not may_view(actor):
        raise NotPermitted(_("您的角色无权查看考核计分"))
    if own_row_only(actor):
        if by == "unit":
            raise NotPermitted(_("承办人只能查看本人的考核计分"))
        return User.objects.filter(pk=actor.pk)
    units = Unit.objects.filter(active=True)
    if not (actor.is_superuser or actor.role in SEE_ALL or actor.scope == Scope.ALL):
        if actor.unit is None:
            raise NotPermitted(_("您未归属任何单位，无权查看考核计分"))
        if actor.scope == Scope.SUBTREE:
            units = units.filter(path__startswith=actor.unit.path)
        else:
            units = units.filter(pk=actor.unit.pk)
    if unit is not None:
        units = units.filter(path__startswith=unit.path)
    if by == "unit" or period is None:
        return units
    # The people who handle complaints, and anyone else who handled one or was sanctioned in the
    # period; the clerks, follow-up agents and auditors with nothing to count stay off the list.
    handled = Complaint.objects.filter(period.received()).values("handler")
    sanctioned = Sanction.objects.filter(breach_on__gte=period.first, breach_on__lte=period.last).values("person")
    involved = Q(role__in=(Role.HANDLER, Role.HEAD)) | Q(pk__in=handled) | Q(pk__in=sanctioned)
    return User.objects.filter(involved, is_active=True, unit__in=units)


def _unit_of(code: str | None) -> Unit | None:
    return get_unit(code, field="unit") if code else None


# -- the figures, one GROUP BY each ---------------------------------------------------------------
def _named_liable(period: Period, field: str, ids: list[int]) -> dict[int, int]:
    """Liable complaints received in the period whose standing determination names the subject."""
    complaints = definitions.counted(Complaint.objects.filter(period.received())).values("id")
    rows = (
        Share.objects.filter(
            determination__superseded=False,
            determination__liable=True,
            determination__complaint__in=complaints,
            **{f"{field}__in": ids},
        )
        .values(field)
        .annotate(n=Count("determination__complaint", distinct=True))
        .order_by()
    )
    return {r[field]: r["n"] for r in rows}


def _sanctions(period: Period, field: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = (
        Sanction.objects.filter(
            status__in=COUNTED, breach_on__gte=period.first, breach_on__lte=period.last, **{f"{field}__in": ids}
        )
        .values(field)
        .annotate(n=Count("id"), points=Sum("points"), fines=Sum("fine"))
        .order_by()
    )
    return {r[field]: r for r in rows}


def _month(value: dt.date | dt.datetime) -> dt.date:
    return value.astimezone(BEIJING).date() if isinstance(value, dt.datetime) else value


def _active_months(base: QuerySet[Complaint], period: Period, field: str, ids: list[int]) -> set[tuple[int, dt.date]]:
    """(subject, month) pairs in which the subject handled a complaint received that month. The
    month is told by comparisons with the month boundaries, and the subjects are picked out
    afterwards: a filter on them would lead SQLite to walk their whole history by its index on
    the subject instead of the period's rows by its index on the receipt time."""
    months = period.months()
    ends = [dt.datetime.combine(m, dt.time(), tzinfo=BEIJING) for m in months[1:]]
    which = Case(
        *(When(received_at__lt=end, then=Value(n)) for n, end in enumerate(ends)),
        default=Value(len(months) - 1),
        output_field=IntegerField(),
    )
    rows = (
        definitions.counted(base)  # the period's complaints already
        .annotate(month=which)
        .values_list(field, "month")
        .distinct()
        .order_by()
    )
    wanted = set(ids)
    return {(subject, months[n]) for subject, n in rows if subject in wanted}


def _sanctioned_months(period: Period, q: Q, key: str) -> set[tuple[int, dt.date]]:
    """(subject, month) pairs with a counted sanction breached that month; ``key`` names the
    subject (``person``, ``unit``, or ``person__unit`` for a unit's members)."""
    rows = (
        Sanction.objects.filter(q, status__in=COUNTED, breach_on__gte=period.first, breach_on__lte=period.last)
        .annotate(month=TruncMonth("breach_on"))
        .values_list(key, "month")
        .distinct()
        .order_by()
    )
    return {(subject, _month(month)) for subject, month in rows if subject is not None}


def _clean_months(active_months: set[tuple[int, dt.date]], sanctioned: set[tuple[int, dt.date]]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for subject, _m in active_months - sanctioned:
        counts[subject] += 1
    return counts


def _unit_clean_months(base: QuerySet[Complaint], period: Period, unit_ids: list[int]) -> dict[int, int]:
    worked = _active_months(base, period, "handling_unit", unit_ids)
    marked = _sanctioned_months(period, Q(unit__in=unit_ids), "unit") | _sanctioned_months(
        period, Q(person__unit__in=unit_ids), "person__unit"
    )
    return _clean_months(worked, marked)


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


# -- the scorecard --------------------------------------------------------------------------------
def scorecard(
    *,
    actor: User,
    period: Period,
    by: By = "unit",
    unit: str | None = None,
    rank_by: RankBy = "net_points",
    now: dt.datetime | None = None,
) -> Scorecard:
    """The rows ``actor`` may see, ranked. NotPermitted for a role that sees none (or a handler
    asking for units), NotFound for an unknown ``unit``."""
    if by not in ("unit", "person"):
        raise ValidationFailed(_("考核对象须为 unit（按单位）或 person（按人员）"), field="by")
    if rank_by not in RANKINGS:
        raise ValidationFailed(_("未知的排名依据"), field="rank_by", allowed=list(RANKINGS))
    now = now or timezone.now()
    subjects = list(_subjects(actor, by, _unit_of(unit), period).select_related("parent" if by == "unit" else "unit"))
    ids = [s.pk for s in subjects]
    base = visible_complaints(actor).filter(period.received())
    policy = active().accountability.sanctions
    person_reward = policy.clean_month_points or Decimal(0)
    head_reward = policy.clean_month_head_points or Decimal(0)
    if by == "unit":
        share_field = "unit"
        figures = definitions.figures_by(base, "handling_unit", now)
        clean = _unit_clean_months(base, period, ids)
        head_clean: dict[int, int] = {}
    else:
        share_field = "person"
        figures = definitions.figures_by(base, "handler", now)
        worked = _active_months(base, period, "handler", ids)
        clean = _clean_months(worked, _sanctioned_months(period, Q(person__in=ids), "person"))
        headed = dict(Unit.objects.filter(head__in=ids).values_list("pk", "head_id"))
        head_clean = defaultdict(int)
        if headed:
            for unit_id, n in _unit_clean_months(base, period, list(headed)).items():
                head_clean[headed[unit_id]] += n
    named = _named_liable(period, share_field, ids)
    returned = definitions.returns_made(base, by)
    sanctions = _sanctions(period, share_field, ids)
    empty = definitions.figures_of({})
    rows: list[ScorecardRow] = []
    for s in subjects:
        got = sanctions.get(s.pk, {})
        points = _money(got.get("points"))
        if by == "unit":
            # The head's reward for the unit's clean months; a unit without a head earns none.
            rewards = head_reward * clean.get(s.pk, 0) if s.head_id else Decimal(0)
            code, name, where = s.code, s.name, s.parent.name if s.parent else ""
        else:
            rewards = person_reward * clean.get(s.pk, 0) + head_reward * head_clean.get(s.pk, 0)
            code, name, where = s.username, str(s), s.unit.name if s.unit else ""
        rows.append(
            ScorecardRow(
                **figures.get(s.pk, empty),
                rank=0,
                code=code,
                name=name,
                unit=where,
                returns_made=returned.get(s.code if by == "unit" else s.pk, 0),
                named_liable=named.get(s.pk, 0),
                sanctions=got.get("n", 0),
                points_deducted=points,
                fines=_money(got.get("fines")),
                clean_months=clean.get(s.pk, 0),
                head_clean_months=head_clean.get(s.pk, 0),
                rewards=_money(rewards),
                net_points=_money(rewards) - points,
            )
        )
    return Scorecard(
        period=period.code,
        label=period.label,
        first=period.first,
        last=period.last,
        by=by,
        rank_by=rank_by,
        rows=rank(rows, rank_by),
    )


def _key(row: ScorecardRow, name: str) -> tuple[int, Decimal]:
    """Sorts better first; an undefined rate (no cases) goes after every defined one."""
    field, more_is_better = RANKINGS[name]
    value = row[field]  # type: ignore[literal-required]
    if value is None:
        return (1, Decimal(0))
    value = Decimal(value)
    return (0, -value if more_is_better else value)


def rank(rows: Iterable[ScorecardRow], rank_by: str) -> list[ScorecardRow]:
    """Order by ``rank_by``, ties broken by the composite's keys and then by code; rows equal on
    all the keys share a rank (1, 1, 3)."""
    keys = (rank_by, *(k for k in TIE_BREAKERS if k != rank_by))
    key: Callable[[ScorecardRow], tuple[Any, ...]] = lambda r: tuple(_key(r, k) for k in keys)  # noqa: E731
    ordered = sorted(rows, key=lambda r: (key(r), r["code"]))
    previous: tuple[Any, ...] | None = None
    for place, row in enumerate(ordered, start=1):
        k = key(row)
        row["rank"] = ordered[place - 2]["rank"] if k == previous else place
        previous = k
    return ordered


# -- the columns, shared by the page and the workbook ---------------------------------------------
# (field, heading, kind): kind "rate" is a fraction of one shown as a percentage, "money" yuan,
# "points" points, "int" a count, "text" a name.
def columns(by: str) -> list[tuple[str, str, str]]:
    subject = _("单位") if by == "unit" else _("姓名")
    where = _("上级单位") if by == "unit" else _("所属单位")
    return [
        ("rank", _("名次"), "int"),
        ("name", subject, "text"),
        ("unit", where, "text"),
        ("received", str(definitions.LABELS["received"]), "int"),
        ("closed", str(definitions.LABELS["closed"]), "int"),
        ("closure_rate", str(definitions.LABELS["closure_rate"]), "rate"),
        ("on_time_rate", str(definitions.LABELS["on_time_rate"]), "rate"),
        ("satisfaction_rate", str(definitions.LABELS["satisfaction_rate"]), "rate"),
        ("repeat_rate", str(definitions.LABELS["repeat_rate"]), "rate"),
        ("returns_made", str(definitions.LABELS["returns_made"]), "int"),
        ("overdue", str(definitions.LABELS["overdue"]), "int"),
        ("liable", str(definitions.LABELS["liable"]), "int"),
        ("liable_rate", str(definitions.LABELS["liable_rate"]), "rate"),
        ("named_liable", _("被认定有责件数"), "int"),
        ("sanctions", _("受处理次数"), "int"),
        ("points_deducted", _("扣分"), "points"),
        ("fines", _("罚款（元）"), "money"),
        ("clean_months", _("无差错月数"), "int"),
        ("rewards", _("奖励分"), "points"),
        ("net_points", _("净得分"), "points"),
    ]


FORMATS = {"rate": "0.00%", "money": "#,##0.00", "points": "0.00", "int": "0"}


def workbook(card: Scorecard) -> bytes:
    """The scorecard as an Excel workbook: a title row, the header frozen under it, an
    auto-filter, names not codes, rates as percentage-formatted numbers, amounts as numbers."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    cols = columns(card["by"])
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = _("考核计分")
    by = _("按单位") if card["by"] == "unit" else _("按人员")
    ws.append([_("考核计分（%(by)s）%(label)s") % {"by": by, "label": card["label"]}])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(cols))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([heading for _f, heading, _k in cols])
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in card["rows"]:
        values: list[Any] = []
        for field, _h, kind in cols:
            value = row[field]  # type: ignore[literal-required]
            values.append(float(value) if kind in ("rate", "money", "points") and value is not None else value)
        ws.append(values)
        for cell, (_f, _h, kind) in zip(ws[ws.max_row], cols, strict=True):
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
    ws.freeze_panes = "A3"
    last = get_column_letter(len(cols))
    ws.auto_filter.ref = f"A2:{last}{max(ws.max_row, 2)}"
    for i, (_f, heading, kind) in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = 24 if kind == "text" else max(10, len(heading) * 2 + 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(card: Scorecard) -> str:
    """An ASCII file name (the header needs no encoding): scorecards-unit-2026-11.xlsx."""
    return f"scorecards-{card['by']}-{card['period'].replace('..', '_')}.xlsx"
