"""The determination's routes under /api/v1/complaints/{number}/determination (issue 15): record
one, read it back with the apportioned amounts. Thin: each parses, calls one service or selector."""

from __future__ import annotations

from ninja import Router, Status

from tousu.accountability import selectors, services
from tousu.accountability.selectors import DeterminationRow
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints.access import access_complaint
from tousu.core.errors import NotFound

router = Router(tags=["accountability 责任认定"])


@router.post(
    "/complaints/{number}/determination",
    **contract({201: DeterminationRow}, *BODY, 403, 404, 409),
    summary="责任认定 record the determination",
    description="责任认定小组对已办结的投诉作出认定：有责或无责及理由代码、责任单位和责任人及份额（之和须恰为100%）、"
    "损失金额（按份额以最大余数法分摊到分）、认定小组成员（须回避者不得参加）。份额或理由有误 422，不写入任何内容；"
    "已有认定或未办结 409；非认定小组 403。",
)
def determine(request: AuthedRequest, number: str, body: services.DeterminationIn) -> Status[DeterminationRow]:
    d = services.determine(actor=request.auth, number=number, data=body)
    row = selectors.determination_of(d.complaint)
    assert row is not None
    return Status(201, row)


@router.get(
    "/complaints/{number}/determination",
    **contract({200: DeterminationRow}, 404),
    summary="责任认定 read the determination",
    description="本件的责任认定，含各项分摊金额；尚未认定 404。",
)
def read(request: AuthedRequest, number: str) -> DeterminationRow:
    complaint = access_complaint(request.auth, number)
    row = selectors.determination_of(complaint)
    if row is None:
        raise NotFound("本件尚未作出责任认定", number=number)
    return row
