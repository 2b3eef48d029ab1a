"""The determination's routes under /api/v1/complaints/{number}/determination (issue 15): record
one, read it back with the apportioned amounts. Thin: each parses, calls one service or selector."""

from __future__ import annotations

from ninja import Router, Status

from tousu.accountability import sanctions, selectors, services
from tousu.accountability.models import Sanction
from tousu.accountability.selectors import DeterminationRow, SanctionRow
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


def _row(s: Sanction) -> SanctionRow:
    return selectors.sanction_rows(Sanction.objects.filter(pk=s.pk))[0]


@router.post(
    "/complaints/{number}/sanctions/{sanction}/confirm",
    **contract({200: SanctionRow}, *BODY, 403, 404, 409),
    summary="确认处理 confirm a proposed sanction",
    description="认定小组确认处理规定提出的处理：可给出从重、从轻或免予追究情节（按新情节重新计算），"
    "可变更处理方式、罚款、扣分或不予处理，与计算结果不同时须说明理由（写入计算过程）。"
    "确认后进入申诉期（预设的工作日数）；期满无申诉即生效。已确认 409；被处理人本人 403。",
)
def confirm(request: AuthedRequest, number: str, sanction: int, body: sanctions.ConfirmIn) -> SanctionRow:
    return _row(sanctions.confirm(actor=request.auth, number=number, sanction=sanction, data=body))


@router.post(
    "/sanctions/{sanction}/appeal",
    **contract({200: SanctionRow}, *BODY, 404, 409),
    summary="申诉 appeal a sanction",
    description="被处理人（单位由其负责人）在申诉期内向上一级申诉；申诉期间处理暂不生效。"
    "不是对本人（本单位）的处理 404；未确认、已申诉、已生效或申诉期已过（code out_of_time）409。",
)
def appeal(request: AuthedRequest, sanction: int, body: sanctions.AppealIn) -> SanctionRow:
    return _row(sanctions.appeal(actor=request.auth, sanction=sanction, data=body))


@router.post(
    "/complaints/{number}/sanctions/{sanction}/appeal-decision",
    **contract({200: SanctionRow}, *BODY, 403, 404, 409),
    summary="申诉决定 decide an appeal (final)",
    description="作出处理的认定小组的上一级（其上级单位的负责人或认定小组成员）决定：维持、变更（给出新的处理方式、"
    "罚款或扣分）或撤销，须说明理由；该决定为最终决定。非上一级 403；没有待决定的申诉 409。",
)
def decide_appeal(request: AuthedRequest, number: str, sanction: int, body: sanctions.DecideAppealIn) -> SanctionRow:
    return _row(sanctions.decide_appeal(actor=request.auth, number=number, sanction=sanction, data=body))


@router.get(
    "/sanctions/mine",
    **contract({200: selectors.MySanctions}),
    summary="我的处理 sanctions on me or my unit",
    description="对本人（单位负责人：对本单位）已确认的处理，含申诉期、申诉和生效情况，最近的在前。",
)
def mine(request: AuthedRequest) -> selectors.MySanctions:
    return {"items": selectors.sanction_rows(selectors.visible_to_subject(request.auth))}
