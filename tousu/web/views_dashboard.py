"""The dashboard (数据看板, ``/dashboard/``, issue 16 §5): the period's headline figures with their
环比 and 同比, the intake trend, the Pareto of categories, the unit ranking, the open cases overdue
or due soon, and the open group events and hot issues — each a chart drawn by the vendored ECharts
(``static/vendor/echarts``, no CDN) with the same figures as a plain table beside it, and each bar,
point or row a link to the filtered ledger (``/ledger/?…``).

Every figure is ``tousu.indicators.stats.stats()``'s, so the dashboard, the API, the exports and
the reports agree; the page only arranges them. Who sees the page is who reads the ledger: every
staff member, each within their data scope (the pending ledger's rule), partners' accounts being
fenced off by ``partners.fence``. The chart data goes to the page as ``json_script`` and is drawn by
``static/tousu/dashboard.js``: the CSP forbids inline script."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tousu.accounts.models import Unit, User
from tousu.complaints import dues
from tousu.core.errors import ValidationFailed
from tousu.detection import selectors as detection
from tousu.indicators import periods
from tousu.indicators.definitions import LABELS
from tousu.indicators.stats import StatsOut, StatsQuery, last_year, read_period, stats
from tousu.ledger.pending import DueCount, due_by_unit
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

# The headline figures, in the order a monthly report reads them: (key, is it a rate, is a rise
# good news) — a rise in complaints or repeats is shown as bad, a rise in a closure rate as good.
HEADLINE = (
    ("received", False, False),
    ("closure_rate", True, True),
    ("on_time_rate", True, True),
    ("satisfaction_rate", True, True),
    ("repeat_rate", True, False),
)
# How many bars a ranking shows; the table beside it lists them all.
TOP = 15
GATHERINGS = 10


@staff_view
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    q = request.GET
    period_code = q.get("period", "").strip()[:30]
    unit_code = q.get("unit", "").strip()[:64]
    context: dict[str, Any] = {
        "here": "dashboard",
        "period": period_code,
        "unit": unit_code,
        "units": [(u.code, u.name) for u in Unit.objects.filter(active=True).order_by("path")],
        "error": "",
    }
    try:
        period = read_period(period_code)
        unit = _unit(unit_code)
        data = board(request.user, period, unit)
    except ValidationFailed as err:
        context["periods"] = period_choices(period_code)
        return render(request, "web/dashboard.html", {**context, "error": err.message}, status=400)
    context.update(period=period.code, periods=period_choices(period.code), data=data)
    return render(request, "web/dashboard.html", context)


def _unit(code: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationFailed(_("单位「%(code)s」不存在，请从列表中选择") % {"code": code}, field="unit")
    return unit


def period_choices(selected: str) -> list[tuple[str, Any]]:
    """The period picker: the last 12 months, 8 quarters, 4 half-years and 3 years up to today,
    grouped; any other period (from the address bar or a link) is kept as the first option."""
    anchor = timezone.now().astimezone(periods.BEIJING).date()
    months, quarters, halves, years = [], [], [], []
    year, month = anchor.year, anchor.month
    for _i in range(12):
        p = periods.parse(f"{year}-{month:02d}")
        months.append((p.code, p.label))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    q = (anchor.month - 1) // 3 + 1
    year = anchor.year
    for _i in range(8):
        p = periods.parse(f"{year}-Q{q}")
        quarters.append((p.code, p.label))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    h = 1 if anchor.month <= 6 else 2
    year = anchor.year
    for _i in range(4):
        p = periods.parse(f"{year}-H{h}")
        halves.append((p.code, p.label))
        year, h = (year, 1) if h == 2 else (year - 1, 2)
    for i in range(3):
        p = periods.parse(str(anchor.year - i))
        years.append((p.code, p.label))
    out: list[tuple[str, Any]] = [
        (_("按月"), months),
        (_("按季度"), quarters),
        (_("按半年"), halves),
        (_("按年"), years),
    ]
    listed = {code for _g, rows in out for code, _l in rows}
    if selected and selected not in listed:
        try:
            p = read_period(selected)
        except ValidationFailed:
            return out
        out.insert(0, (p.code, p.label))
    return out


def board(actor: User, period: periods.Period, unit: Unit | None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the page draws, as plain JSON-able values: numbers, names, links."""
    now = now or timezone.now()
    scope = {"unit": unit.code, "subtree": "1"} if unit else {}
    base = {**period_params(period), **scope}
    query = {"period": period.code, "unit": unit.code if unit else "", "subtree": True}
    total = stats(actor, StatsQuery(**query, compare=True), now)
    return {
        "period": {"code": period.code, "label": period.label},
        "unit": unit.name if unit else "",
        "headline": _headline(total, base),
        "previous": total["previous_period"]["label"] if total["previous_period"] else "",
        "last_year": total["last_year_period"]["label"] if total["last_year_period"] else "",
        "trend": _trend(actor, period, query, scope, now),
        "pareto": _pareto(actor, query, base, now),
        "units": _units(actor, query, base, now),
        "open": _open(actor, unit, scope, now),
        "gatherings": _gatherings(actor),
    }


def period_params(period: periods.Period) -> dict[str, str]:
    """The ledger's filter for the period: its code, or its dates for a span of days."""
    if ".." in period.code:
        return {"received_from": period.first.isoformat(), "received_to": period.last.isoformat()}
    return {"period": period.code}


def ledger(params: dict[str, str]) -> str:
    """The ledger filtered by ``params`` (empty values left out)."""
    return reverse("web:ledger") + "?" + urlencode({k: v for k, v in params.items() if v != ""})


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(round(value * 100, 2))


def _headline(out: StatsOut, base: dict[str, str]) -> list[dict[str, Any]]:
    """受理量 and the four rates, each with stats' 环比 and 同比: a count's change is relative
    (+12.5%), a rate's the difference in percentage points (+2.30个百分点), as reports put it."""
    cards = []
    for key, is_rate, rise_is_good in HEADLINE:
        value = out["total"][key]  # type: ignore[literal-required]
        change = out["change"].get(key) or {"mom": None, "yoy": None}
        mom, yoy = _pct(change["mom"]), _pct(change["yoy"])
        cards.append(
            {
                "key": key,
                "label": str(LABELS[key]),
                "value": _pct(value) if is_rate else value,
                "shown": _shown(value, is_rate),
                "rate": is_rate,
                "mom": mom,
                "yoy": yoy,
                "mom_text": _change_text(mom, is_rate),
                "yoy_text": _change_text(yoy, is_rate),
                "mom_tone": _tone(mom, rise_is_good),
                "yoy_tone": _tone(yoy, rise_is_good),
                "href": ledger(base) if key == "received" else "",
            }
        )
    return cards


def _shown(value: Any, is_rate: bool) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.2f}%" if is_rate else str(value)


def _tone(change: float | None, rise_is_good: bool) -> str:
    """The colour of a change: "better", "worse" or "" (none, or no change)."""
    if not change:
        return ""
    return "better" if (change > 0) == rise_is_good else "worse"


def _change_text(change: float | None, is_rate: bool) -> str:
    """+12.5%, -3.0%, +2.30个百分点; — where there is nothing to compare with."""
    if change is None:
        return "—"
    if is_rate:
        return _("%(v)s个百分点") % {"v": f"{change:+.2f}"}
    return f"{change:+.1f}%"


def _bucket(period: periods.Period) -> str:
    """By day for a month (or a span of a few weeks), by month for anything longer."""
    return "day" if (period.last - period.first).days <= 31 else "month"


def _trend(
    actor: User, period: periods.Period, query: dict[str, Any], scope: dict[str, str], now: dt.datetime
) -> dict[str, Any]:
    """受理量 per day or per month, with the same buckets of the same period a year earlier."""
    bucket = _bucket(period)
    out = stats(actor, StatsQuery(**query, by=bucket, compare=False), now)
    last: list[int] = []
    year = last_year(period)
    if year is not None:
        before = stats(actor, StatsQuery(**{**query, "period": year.code}, by=bucket, compare=False), now)
        last = [g["figures"]["received"] for g in before["groups"]]
    today = now.astimezone(periods.BEIJING).date()
    rows = []
    for i, g in enumerate(out["groups"]):
        first, final = g["first"] or period.first, g["last"] or period.last
        if bucket == "day":
            label = first.strftime("%m-%d")
            href = ledger({"received_from": first.isoformat(), "received_to": final.isoformat(), **scope})
        else:
            label = g["label"]
            href = ledger({"period": g["key"], **scope})
        rows.append(
            {
                "label": label,
                # Days still to come are blank, not 0: the line stops at today.
                "current": g["figures"]["received"] if first <= today else None,
                "last": last[i] if i < len(last) else None,
                "href": href,
            }
        )
    return {
        "bucket": bucket,
        "rows": rows,
        "has_last": year is not None,
        "names": {"current": str(_("本期受理量")), "last": str(_("去年同期"))},
    }


def _pareto(actor: User, query: dict[str, Any], base: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    """The categories by 受理量, largest first, with each one's share and the running total."""
    rows = stats(actor, StatsQuery(**query, by="category", compare=False), now)["pareto"]
    return {
        "rows": [
            {
                "label": r["label"],
                "count": r["count"],
                "share": _pct(r["share"]),
                "cumulative": _pct(r["cumulative"]),
                "href": ledger({**base, "category": r["key"]}),
            }
            for r in rows
        ],
        "names": {"count": str(_("受理量")), "cumulative": str(_("累计占比（%）"))},
    }


def _units(actor: User, query: dict[str, Any], base: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    """The handling units by 受理量, with their 按期办结率 and 办结率."""
    groups = stats(actor, StatsQuery(**query, by="unit", compare=False), now)["groups"]
    ranked = sorted((g for g in groups if g["figures"]["received"]), key=lambda g: -g["figures"]["received"])
    period = {k: v for k, v in base.items() if k not in ("unit", "subtree")}
    return {
        "rows": [
            {
                "label": g["label"],
                "received": g["figures"]["received"],
                "on_time": _pct(g["figures"]["on_time_rate"]),
                "closure": _pct(g["figures"]["closure_rate"]),
                "href": ledger({**period, "unit": g["key"]} if g["key"] else base),
            }
            for g in ranked
        ],
        "top": TOP,
        "names": {"received": str(_("受理量")), "on_time": str(_("按期办结率（%）"))},
    }


def _open(actor: User, unit: Unit | None, scope: dict[str, str], now: dt.datetime) -> dict[str, Any]:
    """The open cases overdue, or due within ``dues.DUE_SOON_HOURS``, now (whatever the period), by
    handling unit, in one GROUP BY; the links use the complaint list's own filters."""
    found = due_by_unit(actor, unit, now)
    late, near = {"open": "true", "overdue": "true"}, {"open": "true", "due_soon": "true"}
    rows = [
        {
            "label": r["unit_name"] or str(_("待分办")),
            "overdue": r["overdue"],
            "due_soon": r["due_soon"],
            "overdue_href": _unit_link(late, r, scope),
            "due_soon_href": _unit_link(near, r, scope),
        }
        for r in found
    ]
    return {
        "rows": rows,
        "overdue": sum(r["overdue"] for r in rows),
        "due_soon": sum(r["due_soon"] for r in rows),
        "overdue_href": ledger({**late, **scope}),
        "due_soon_href": ledger({**near, **scope}),
        "top": TOP,
        "names": {
            "overdue": str(_("已超期")),
            "due_soon": str(_("临期（%(h)d小时内到期）") % {"h": dues.DUE_SOON_HOURS}),
        },
    }


def _unit_link(params: dict[str, str], row: DueCount, scope: dict[str, str]) -> str:
    code = row["unit"]
    return ledger({**params, "unit": code} if code else {**params, **scope})


def _gatherings(actor: User) -> dict[str, Any]:
    """The open group events and hot issues the reader may see, by how many people they involve."""
    detection_page = reverse("web:detection")
    rows: list[dict[str, Any]] = []
    for kind, label in (("group", _("群体投诉")), ("hot", _("热点问题"))):
        for g in detection.gatherings(actor, kind, state="open"):
            rows.append(
                {
                    "kind": kind,
                    "kind_label": str(label),
                    "title": g["title"],
                    "people": g["people"],
                    "complaints": len(g["members"]),
                    "last": timezone.localdate(g["last_at"]).isoformat(),
                    "href": f"{detection_page}#{kind}",
                }
            )
    rows.sort(key=lambda r: (-r["people"], -r["complaints"]))
    counts = {kind: sum(1 for r in rows if r["kind"] == kind) for kind in ("group", "hot")}
    return {
        "rows": rows,
        "top": GATHERINGS,
        "groups": counts["group"],
        "hot": counts["hot"],
        "group_href": f"{detection_page}#group",
        "hot_href": f"{detection_page}#hot",
        "names": {"people": str(_("涉及人数")), "group": str(_("群体投诉")), "hot": str(_("热点问题"))},
    }
