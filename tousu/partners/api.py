"""The partners' routes under /api/v1/partners (issue 15 §5): partners and their credit ledger,
attributions, violation inquiries with the partner's answer and the desk's outcome, monthly
statements with disputes, decisions, the final figure and the xlsx export. Thin: each parses,
calls one service or selector. A partner's own account reaches only its own partner's rows;
anything else is a 404."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field
from typing_extensions import TypedDict

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.complaints.inputs import Input
from tousu.partners import exports, selectors, services, statements
from tousu.partners.access import access_inquiry, access_partner, access_statement, require_staff
from tousu.partners.selectors import (
    AttributionRow,
    InquiryRow,
    PartnerDetail,
    PartnerRow,
    StatementBrief,
    StatementRow,
)

router = Router(tags=["partners 合作方信用与结算"])
BINARY = {"schema": {"type": "string", "format": "binary"}}


class MemberIn(Input):
    username: str = Field(min_length=1, max_length=150, description="用户名：不属于任何单位、数据范围为本人案件的账号")


class MemberOut(Schema):
    username: str
    partner: str
    partner_name: str


class AttributeIn(services.AttributionIn):
    number: str = Field(min_length=1, max_length=40, description="投诉编号")


class MatchOut(Schema):
    attributed: int = Field(description="新归属的投诉件数")


class Partners(TypedDict):
    items: list[PartnerRow]


class Inquiries(TypedDict):
    items: list[InquiryRow]


class Statements(TypedDict):
    items: list[StatementBrief]


class Attributions(TypedDict):
    items: list[AttributionRow]


class MonthQuery(Schema):
    month: str = Field("", max_length=7, description="月份，如 2026-10；不填为全部")


# -- inquiries (declared before /{code} so their paths win) ------------------------------------------
@router.get("/inquiries", **contract({200: Inquiries}), summary="违约核查通知列表")
def inquiry_list(request: AuthedRequest) -> Inquiries:
    return {"items": selectors.inquiries(request.auth)}


@router.post(
    "/inquiries",
    **contract({201: InquiryRow}, *BODY, 403, 404, 409),
    summary="发布违约核查 publish",
    description="发布违规核查通知（记录已暂停的业务）；合作方须在发布日后3个工作日内（不含发布日）反馈，逾期视为违约成立。",
)
def inquiry_publish(request: AuthedRequest, body: services.InquiryIn) -> Status[InquiryRow]:
    inquiry = services.publish_inquiry(actor=request.auth, data=body)
    return Status(201, selectors.inquiry_row(inquiry))


@router.get("/inquiries/{inquiry_id}", **contract({200: InquiryRow}, 404, 422), summary="违约核查通知")
def inquiry_read(request: AuthedRequest, inquiry_id: int) -> InquiryRow:
    return selectors.inquiry_row(access_inquiry(request.auth, inquiry_id))


@router.post(
    "/inquiries/{inquiry_id}/answer",
    **contract({200: InquiryRow}, *BODY, 404, 409),
    summary="合作方反馈 answer",
    description="合作方账号反馈：认可、否认并举证、申请1~2个伪码；逾期 409，不写入。",
)
def inquiry_answer(request: AuthedRequest, inquiry_id: int, body: services.AnswerIn) -> InquiryRow:
    return selectors.inquiry_row(services.answer(actor=request.auth, inquiry_id=inquiry_id, data=body))


@router.post(
    "/inquiries/{inquiry_id}/outcome",
    **contract({200: InquiryRow}, *BODY, 403, 404, 409),
    summary="定性 outcome",
    description="违约成立或不成立；成立的按预设的基础扣分×违约系数扣减信用积分，并记录计算依据。",
)
def inquiry_outcome(request: AuthedRequest, inquiry_id: int, body: services.OutcomeIn) -> InquiryRow:
    return selectors.inquiry_row(services.decide(actor=request.auth, inquiry_id=inquiry_id, data=body))


# -- statements ------------------------------------------------------------------------------------
@router.get("/statements", **contract({200: Statements}), summary="服务费用结算单列表")
def statement_list(request: AuthedRequest) -> Statements:
    return {"items": selectors.statement_list(request.auth)}


@router.post(
    "/statements",
    **contract({201: StatementRow}, *BODY, 403, 404, 409),
    summary="生成结算单 prepare",
    description="为合作方生成已结束月份的服务费用结算单（草稿；发布前可重新生成）。",
)
def statement_prepare(request: AuthedRequest, body: statements.StatementIn) -> Status[StatementRow]:
    return Status(201, selectors.statement_row(statements.prepare(actor=request.auth, data=body)))


@router.get("/statements/{statement_id}", **contract({200: StatementRow}, 404, 422), summary="结算单")
def statement_read(request: AuthedRequest, statement_id: int) -> StatementRow:
    return selectors.statement_row(access_statement(request.auth, statement_id))


@router.post(
    "/statements/{statement_id}/publish", **contract({200: StatementRow}, 403, 404, 409, 422), summary="发布结算单"
)
def statement_publish(request: AuthedRequest, statement_id: int) -> StatementRow:
    return selectors.statement_row(statements.publish(actor=request.auth, statement_id=statement_id))


@router.post(
    "/statements/{statement_id}/disputes",
    **contract({200: StatementRow}, *BODY, 404, 409),
    summary="合作方提出异议 dispute",
    description="异议期内逐条提出异议并写明具体原因；当月有升级投诉或经核实的违约行为的不得核减（409）。",
)
def statement_dispute(request: AuthedRequest, statement_id: int, body: statements.DisputeIn) -> StatementRow:
    item = statements.dispute(actor=request.auth, statement_id=statement_id, data=body)
    return selectors.statement_row(item.statement)


@router.post(
    "/statements/{statement_id}/decisions",
    **contract({200: StatementRow}, *BODY, 403, 404, 409),
    summary="处理异议 decide",
)
def statement_decide(request: AuthedRequest, statement_id: int, body: statements.DecisionIn) -> StatementRow:
    item = statements.decide(actor=request.auth, statement_id=statement_id, data=body)
    return selectors.statement_row(item.statement)


@router.post(
    "/statements/{statement_id}/finalise",
    **contract({200: StatementRow}, 403, 404, 409, 422),
    summary="确定结算金额 finalise",
    description="异议期届满且异议均已处理后，确定最终金额。",
)
def statement_finalise(request: AuthedRequest, statement_id: int) -> StatementRow:
    return selectors.statement_row(statements.finalise(actor=request.auth, statement_id=statement_id))


@router.get(
    "/statements/{statement_id}/export",
    **contract({200: None}, 404, 422, content={exports.XLSX: BINARY}),
    summary="导出结算单 xlsx",
)
def statement_export(request: AuthedRequest, statement_id: int) -> HttpResponse:
    row = selectors.statement_row(access_statement(request.auth, statement_id))
    return xlsx_response(row)


def xlsx_response(row: StatementRow) -> HttpResponse:
    response = HttpResponse(exports.statement_xlsx(row), content_type=exports.XLSX)
    response["Content-Disposition"] = exports.disposition(row)
    return response


# -- attributions ----------------------------------------------------------------------------------
@router.post(
    "/attributions",
    **contract({200: AttributionRow}, *BODY, 403, 404, 409),
    summary="投诉归属合作方 attribute",
    description="将投诉归属于合作方，标记升级投诉和是否判定为合作方责任。",
)
def attribute(request: AuthedRequest, body: AttributeIn) -> AttributionRow:
    data = services.AttributionIn.model_validate(body.model_dump(exclude={"number"}))
    return selectors.attribution_row(services.attribute(actor=request.auth, number=body.number, data=data))


@router.post(
    "/attributions/match",
    **contract({200: MatchOut}, 403, 404),
    summary="按被投诉合作方名称自动归属",
)
def attribute_matching(request: AuthedRequest) -> MatchOut:
    from tousu.partners.access import require_desk

    require_desk(request.auth)
    return MatchOut(attributed=services.match_all())


# -- partners ---------------------------------------------------------------------------------------
@router.get("", **contract({200: Partners}), summary="合作方列表")
def partner_list(request: AuthedRequest) -> Partners:
    return {"items": selectors.partners(request.auth)}


@router.post("", **contract({201: PartnerRow}, *BODY, 403, 404, 409), summary="新增合作方")
def partner_create(request: AuthedRequest, body: services.PartnerIn) -> Status[PartnerRow]:
    return Status(201, selectors.partner_row(services.create_partner(actor=request.auth, data=body)))


@router.get("/{code}", **contract({200: PartnerDetail}, 404), summary="合作方及信用积分台账")
def partner_read(request: AuthedRequest, code: str) -> PartnerDetail:
    return selectors.partner_detail(access_partner(request.auth, code))


@router.post("/{code}/members", **contract({201: MemberOut}, *BODY, 403, 404, 409), summary="开通合作方账号")
def partner_member(request: AuthedRequest, code: str, body: MemberIn) -> Status[MemberOut]:
    member = services.add_member(actor=request.auth, partner_code=code, username=body.username)
    return Status(
        201, MemberOut(username=member.user.username, partner=member.partner.code, partner_name=member.partner.name)
    )


@router.get("/{code}/attributions", **contract({200: Attributions}, 404, 422), summary="合作方的投诉")
def partner_attributions(request: AuthedRequest, code: str, filters: Query[MonthQuery]) -> Attributions:
    require_staff(request.auth)
    partner = access_partner(request.auth, code)
    month = statements.parse_month(filters.month) if filters.month else None
    return {"items": selectors.attributions(partner, month)}
