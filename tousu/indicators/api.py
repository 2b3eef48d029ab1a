"""``GET /api/v1/stats`` (issue 16 §4): the statistics of ``stats.stats`` as JSON. Thin: it
parses, calls the service and returns its answer (Decimals as strings, as every route does)."""

from __future__ import annotations

from ninja import Field, Query, Router

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import contract
from tousu.indicators import stats as service

router = Router(tags=["statistics 统计"])

BY = ("", *service.BUCKETS, *service.DIMENSIONS)


class StatsParams(service.StatsQuery):
    """The query as the API documents it: ``by`` an enum of its groupings."""

    by: str = Field(
        "",
        max_length=20,
        description=service.StatsQuery.model_fields["by"].description,
        json_schema_extra={"enum": list(BY)},
    )


@router.get(
    "/stats",
    **contract({200: service.StatsOut}, 404, 422),
    summary="统计 statistics",
    description="按期间（以受理时间按北京时间计）统计受理量、办结率、按期办结率、平均办理工作日、满意率、重复投诉率、"
    "越级（升级）投诉率、有责投诉率、被退回次数，可按时间（日、周、月、季、半年、年）或维度（类别、等级、渠道、承办单位、"
    "被投诉人、产品、地区、原因）分组，附环比、同比及类别、原因的排列图（帕累托）。只统计调用者有权查看的投诉。"
    "指标定义见 docs/indicators.md。",
)
def get_stats(request: AuthedRequest, params: Query[StatsParams]) -> service.StatsOut:
    return service.stats(request.auth, params)
