"""The scorecards page (考核计分, ``/scorecards/``, issue 15 §4): a period picker, by unit or by
person, the ranking, and the same table as an Excel download (``?format=xlsx``). The figures are
``tousu.accountability.scorecards``'; who sees which rows is decided there."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tousu.accountability import scorecards
from tousu.core.errors import ValidationFailed
from tousu.indicators import periods
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@staff_view
@require_GET
def scorecards_page(request: StaffRequest) -> HttpResponse:
    if not scorecards.may_view(request.user):
        raise PermissionDenied(_("您的角色无权查看考核计分"))
    q = request.GET
    context = _form(request, q)
    try:
        period = periods.resolve(q.get("period", ""), q.get("from", ""), q.get("to", ""))
        card = scorecards.scorecard(
            actor=request.user, period=period, by=context["by"], unit=q.get("unit") or None, rank_by=context["rank_by"]
        )
    except ValidationFailed as err:
        return render(request, "web/scorecards.html", {**context, "error": err.message}, status=400)
    if q.get("format") == "xlsx":
        response = HttpResponse(scorecards.workbook(card), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{scorecards.filename(card)}"'
        return response
    export = q.copy()
    export["format"] = "xlsx"
    cols = scorecards.columns(card["by"])
    table = [[(_shown(row[f], kind), kind) for f, _h, kind in cols] for row in card["rows"]]  # type: ignore[literal-required]
    return render(
        request,
        "web/scorecards.html",
        {**context, "card": card, "headings": [h for _f, h, _k in cols], "table": table, "export": export.urlencode()},
    )


def _shown(value: Any, kind: str) -> str:
    """A cell as the page shows it: rates as percentages, amounts and points to the cent."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.2f}%"
    if kind == "money":
        return f"{value:,.2f}"
    if kind == "points":
        return f"{value:.2f}"
    return str(value)


def _form(request: StaffRequest, q: QueryDict) -> dict[str, Any]:
    """The picker's choices and values; an unknown ``by`` or ``rank_by`` falls back to the default."""
    by = q.get("by", "")
    if by not in ("unit", "person") or scorecards.own_row_only(request.user):
        by = scorecards.default_by(request.user)
    rank_by = q.get("rank_by", "")
    if rank_by not in scorecards.RANKINGS:
        rank_by = "net_points"
    return {
        "here": "scorecards",
        "by": by,
        "rank_by": rank_by,
        "period": q.get("period", ""),
        "first": q.get("from", ""),
        "last": q.get("to", ""),
        "unit": q.get("unit", ""),
        "units": scorecards.unit_choices(request.user),
        "rankings": [(k, str(v)) for k, v in scorecards.RANK_LABELS.items()],
        "handler_only": scorecards.own_row_only(request.user),
        "error": "",
    }
