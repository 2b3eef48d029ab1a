"""Rectification routes under /api/v1/capa (issue 15 §6): list with filters, make one linked to
complaint numbers, read, record done with evidence, record batches, cancel. Thin: each parses and
calls one service or selector."""

from __future__ import annotations

from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.capa import selectors, services
from tousu.capa.selectors import ActionPage, ActionRow

router = Router(tags=["capa 整改措施"])

StatusCode = Literal["open", "done", "verifying", "effective", "ineffective", "cancelled"]


class Filters(Schema):
    status: StatusCode | None = Field(None, description="状态")
    owner: str = Field("", max_length=150, description="责任人用户名")
    overdue: bool = Field(False, description="只列逾期的（待完成已过期限，或无效后未按期制定接续措施）")


@router.get(
    "/capa",
    **contract({200: ActionPage}, 422),
    summary="整改措施 list",
    description="本人可见的整改措施（本人负责的，或所关联的投诉均在本人权限范围内的），最近的在前，最多200条；列表中不含批次和历史记录，详见单项。",
)
def listing(request: AuthedRequest, filters: Query[Filters]) -> ActionPage:
    actions = selectors.listing(
        request.auth, status=filters.status or "", owner=filters.owner.strip(), overdue=filters.overdue
    )
    return {"items": [selectors.row(request.auth, a, full=False) for a in actions], "count": len(actions)}


@router.post(
    "/capa",
    **contract({201: ActionRow}, *BODY, 403, 404, 409),
    summary="整改措施 make one",
    description="对一件或多件投诉制定整改措施：类型取自预设，完成期限默认按预设的工作日数计算，有效性验证标准默认取预设"
    "（如同一产品此后三批不再发生）。投诉不在权限范围内 404；角色不可 403；已归档 409；输入有误 422，不写入任何内容。",
)
def create(request: AuthedRequest, body: services.CreateIn) -> Status[ActionRow]:
    action = services.create(actor=request.auth, data=body)
    return Status(201, selectors.row(request.auth, action))


@router.get(
    "/capa/{action_id}",
    **contract({200: ActionRow}, 404, 422),
    summary="整改措施 read",
    description="措施、验证标准与验证状态、再次发生的投诉、批次和历史记录。",
)
def read(request: AuthedRequest, action_id: int) -> ActionRow:
    return selectors.row(request.auth, selectors.get(request.auth, action_id))


@router.post(
    "/capa/{action_id}/done",
    **contract({200: ActionRow}, *BODY, 403, 404, 409),
    summary="整改措施 record done",
    description="责任人记录完成情况及证据（可引用关联投诉的附件）；设有验证标准的即进入验证中。",
)
def record_done(request: AuthedRequest, action_id: int, body: services.DoneIn) -> ActionRow:
    action = services.record_done(actor=request.auth, action_id=action_id, data=body)
    return selectors.row(request.auth, action)


@router.post(
    "/capa/{action_id}/batches",
    **contract({200: ActionRow}, *BODY, 403, 404, 409),
    summary="整改措施 record batches",
    description="按批次验证的措施：记录完成后生产的批次，至多跟踪的批数。",
)
def record_batches(request: AuthedRequest, action_id: int, body: services.BatchesIn) -> ActionRow:
    action = services.record_batches(actor=request.auth, action_id=action_id, data=body)
    return selectors.row(request.auth, action)


@router.post(
    "/capa/{action_id}/cancel",
    **contract({200: ActionRow}, *BODY, 403, 404, 409),
    summary="整改措施 cancel",
    description="取消待完成或验证中的措施，须写明原因。",
)
def cancel(request: AuthedRequest, action_id: int, body: services.CancelIn) -> ActionRow:
    action = services.cancel(actor=request.auth, action_id=action_id, data=body)
    return selectors.row(request.auth, action)
