"""The scorecards' routes (考核计分, issue 15 §4): ``GET /api/v1/scorecards`` as JSON and
``GET /api/v1/scorecards.xlsx`` as an Excel workbook. Thin: each parses, calls
``scorecards.scorecard`` and renders."""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from tousu.accountability import scorecards
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import contract
from tousu.indicators import periods

router = Router(tags=["accountability 考核计分"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"schema": {"type": "string", "format": "binary"}}


class ScorecardQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    period: str = Field(
        "",
        max_length=20,
        description="统计期间：2026-11（月）、2026-Q4（季度）、2026-H2（半年）、2026（年）；缺省为本月",
    )
    first: str = Field(
        "", alias="from", max_length=10, description="开始日期（含），如 2026-11-01；与 to 同用，优先于 period"
    )
    last: str = Field("", alias="to", max_length=10, description="结束日期（含），如 2026-11-30")
    by: Literal["unit", "person"] | None = Field(
        None, description="unit：按单位；person：按人员；缺省按单位，承办人缺省按人员（只有本人一行）"
    )
    unit: str = Field("", max_length=64, description="只看此单位及其下级单位（单位代码）")
    rank_by: Literal[tuple(scorecards.RANKINGS)] = Field(  # type: ignore[valid-type]
        "net_points", description="排名依据；缺省为综合（净得分，再按按期办结率、满意率、被认定有责件数）"
    )


def _card(request: AuthedRequest, q: ScorecardQuery) -> scorecards.Scorecard:
    period = periods.resolve(q.period, q.first, q.last)
    return scorecards.scorecard(
        actor=request.auth,
        period=period,
        by=q.by or scorecards.default_by(request.auth),
        unit=q.unit or None,
        rank_by=q.rank_by,
    )


@router.get(
    "/scorecards",
    **contract({200: scorecards.Scorecard}, 403, 404, 422),
    summary="考核计分 scorecards",
    description="按单位或按人员、按期间（以受理时间按北京时间计）的考核计分与排名：受理量、办结率、按期办结率、满意率、"
    "重复投诉率、退回次数、超期件数、有责投诉、受处理次数及扣分罚款、无差错月份奖励、净得分。"
    "指标定义见 docs/indicators.md。投诉中心、认定小组、质量负责人、审计、管理员可看全部；部门负责人看本单位及下级；"
    "承办人只看本人；其他角色 403。",
)
def list_scorecards(request: AuthedRequest, q: Query[ScorecardQuery]) -> scorecards.Scorecard:
    return _card(request, q)


@router.get(
    "/scorecards.xlsx",
    **contract({200: None}, 403, 404, 422, content={XLSX: BINARY}),
    summary="导出考核计分 export scorecards",
    description="与 GET /scorecards 相同的参数和权限，导出为 Excel：标题行、冻结表头、自动筛选，比率为百分比格式的数值。",
)
def export_scorecards(request: AuthedRequest, q: Query[ScorecardQuery]) -> HttpResponse:
    card = _card(request, q)
    response = HttpResponse(scorecards.workbook(card), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{scorecards.filename(card)}"'
    return response
