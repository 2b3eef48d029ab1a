"""Detection's routes under /api/v1/ (SPEC §8, §13): the repeat candidate while the caller is on
the phone, the clerk's decision on a repeat link, the grade override, and the hot issues and group
events with their split and merge. Thin: each parses, calls one service or selector, answers."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Query, Router, Schema
from pydantic import Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints import selectors as complaint_selectors
from tousu.complaints.access import access_complaint
from tousu.complaints.rows import ComplaintDetail
from tousu.core.errors import NotFound
from tousu.detection import selectors, services
from tousu.detection.rows import GatheringRow, RepeatCandidates

router = Router(tags=["detection 重复/热点/群体"])


class CandidateQuery(Schema):
    phone: str = Field("", max_length=40)
    id_number: str = Field("", max_length=40)
    email: str = Field("", max_length=200)
    summary: str = Field("", max_length=200)
    content: str = Field("", max_length=20000)
    respondent: str = Field("", max_length=200)


class RepeatDecision(Schema):
    confirm: bool = Field(description="true：确认是重复投诉；false：否定（须填理由）")
    reason: str = Field("", max_length=500)


class GradeOverride(Schema):
    grade: str = Field(max_length=40, description="等级代码（见 GET /api/v1/reference 的 grades）")
    reason: str = Field(max_length=500)


class Split(Schema):
    numbers: list[str] = Field(min_length=1, max_length=200, description="拆出的投诉编号")
    reason: str = Field(max_length=500)


# Not "Merge": the OpenAPI document names a schema by its class, and the complaints' merge action
# has a Merge of its own (one would declare the other's body).
class GatheringMerge(Schema):
    ids: list[int] = Field(min_length=2, max_length=50, description="合并到第一项")
    reason: str = Field(max_length=500)


class Gatherings(Schema):
    items: list[GatheringRow]


@router.get(
    "/repeat-candidates",
    **contract({200: RepeatCandidates}, 400, 422),
    summary="来电时的重复投诉候选 repeat candidates",
    description="按来电人的电话、身份证号或电子邮件（密钥索引，不解密）及本次内容，找出时限内同一事项的"
    "原投诉及应告知来电人的话（办理中：进度与期限；已办结：处理结果）。不写入任何数据。",
)
def repeat_candidates(request: AuthedRequest, q: Query[CandidateQuery]) -> RepeatCandidates:
    return selectors.repeat_candidates(
        request.auth,
        phone=q.phone,
        id_number=q.id_number,
        email=q.email,
        summary=q.summary,
        content=q.content,
        respondent=q.respondent,
    )


@router.post(
    "/complaints/{number}/repeat-decision",
    **contract({200: ComplaintDetail}, *BODY, 403, 404),
    summary="确认或否定重复投诉关联",
)
def repeat_decision(request: AuthedRequest, number: str, body: RepeatDecision) -> ComplaintDetail:
    services.decide_repeat(actor=request.auth, number=number, confirm=body.confirm, reason=body.reason)
    return complaint_selectors.complaint_detail(request.auth, access_complaint(request.auth, number))


@router.post(
    "/complaints/{number}/grade-override",
    **contract({200: ComplaintDetail}, *BODY, 403, 404),
    summary="人工调整等级（须填理由）",
)
def grade_override(request: AuthedRequest, number: str, body: GradeOverride) -> ComplaintDetail:
    services.override_grade(actor=request.auth, number=number, grade=body.grade, reason=body.reason)
    return complaint_selectors.complaint_detail(request.auth, access_complaint(request.auth, number))


def _routes(path: str, kind: str, label: str) -> None:
    """The list, detail, split and merge routes of hot issues or group events."""

    @router.get(
        f"/{path}", **contract({200: Gatherings}, 400, 422), summary=f"{label}列表", operation_id=f"{kind}_list"
    )
    def listed(request: AuthedRequest, state: Literal["", "open", "closed"] = "") -> dict[str, Any]:
        return {"items": selectors.gatherings(request.auth, kind, state=state)}

    @router.post(
        f"/{path}/merge", **contract({200: GatheringRow}, *BODY, 403, 404, 409), summary=f"合并{label}（有记录）",
        operation_id=f"{kind}_merge",
    )  # fmt: skip
    def merge(request: AuthedRequest, body: GatheringMerge) -> GatheringRow:
        into = services.merge(actor=request.auth, kind=kind, ids=body.ids, reason=body.reason)
        return _shown(request, kind, into.pk)

    @router.get(
        f"/{path}/{{pk}}",
        **contract({200: GatheringRow}, 400, 404, 422),
        summary=f"{label}详情",
        operation_id=f"{kind}_detail",
    )
    def one(request: AuthedRequest, pk: int) -> GatheringRow:
        return _shown(request, kind, pk)

    @router.post(
        f"/{path}/{{pk}}/split", **contract({200: GatheringRow}, *BODY, 403, 404), summary=f"拆分{label}（有记录）",
        operation_id=f"{kind}_split",
    )  # fmt: skip
    def split(request: AuthedRequest, pk: int, body: Split) -> GatheringRow:
        new = services.split(actor=request.auth, kind=kind, pk=pk, numbers=body.numbers, reason=body.reason)
        return _shown(request, kind, new.pk)


def _shown(request: AuthedRequest, kind: str, pk: int) -> GatheringRow:
    row = selectors.gathering(request.auth, kind, pk)
    if row is None:
        raise NotFound()
    return row


_routes("group-events", "group", "群体投诉事件")
_routes("hot-issues", "hot", "热点问题")
