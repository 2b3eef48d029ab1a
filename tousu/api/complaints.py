"""/api/v1/complaints: register, list, detail, one route per lifecycle action, events, attachments."""

from collections.abc import Iterable
from typing import Annotated, Any, Literal

from django.db import models
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tousu.accounts.models import Role
from tousu.api.authed import AuthedRequest
from tousu.api.schemas import (
    BODY,
    AttachmentOut,
    ComplaintPage,
    ContactOut,
    GrantOut,
    History,
    MovedOut,
    Registered,
    RegisteredBrief,
    ReleasedOut,
    as_declared,
    contract,
)
from tousu.complaints import attachments, exports, selectors, services, states
from tousu.complaints.access import access_complaint
from tousu.complaints.actions import FORM_ACTIONS, SAME, Action
from tousu.complaints.codes import StatusCode
from tousu.complaints.idempotency import KEY_MAX
from tousu.complaints.inputs import (
    Attach,
    IdentityDecision,
    IdentityRequest,
    ListIn,
    RegisterIn,
    ReleaseAttachment,
    RevealContact,
)
from tousu.complaints.rows import ComplaintDetail, DispatchLetter, api_row
from tousu.core import downloads
from tousu.core.errors import NotFound

router = Router(tags=["complaints"])

BINARY = {"schema": {"type": "string", "format": "binary"}}


class ListQuery(Schema, ListIn):
    """The list filters (inputs.ListIn) as query parameters."""


def _detail(request: AuthedRequest, number: str) -> ComplaintDetail:
    complaint = access_complaint(request.auth, number)
    return selectors.complaint_detail(request.auth, complaint)


class Replayed(ComplaintDetail):
    """The complaint an earlier request with the same ``external_id`` or ``Idempotency-Key`` made.
    Its query code was shown to that request only and cannot be shown again."""

    query_code: Literal[""]
    replayed: Literal[True]
    notice: str


IDEMPOTENCY_KEY = "Idempotency-Key"
# The whole record, or the brief one for ``Prefer: return=minimal`` (answered as it is, never
# validated as the other: the full shapes are tried first).
REGISTER = contract(
    {
        201: Annotated[Registered | RegisteredBrief, Field(union_mode="left_to_right")],
        200: Annotated[Replayed | RegisteredBrief, Field(union_mode="left_to_right")],
    },
    *BODY,
    403,
    409,
)
REGISTER["openapi_extra"]["parameters"] = [
    {
        "in": "header",
        "name": "Prefer",
        "required": False,
        "schema": {"type": "string", "enum": ["return=minimal", "return=representation"]},
        "description": "return=minimal：只答复编号、查询码、状态、版本、期限与重复件（RegisteredBrief），"
        "省去整份详情；缺省为整份详情",
    },
    {
        "in": "header",
        "name": IDEMPOTENCY_KEY,
        "required": False,
        "schema": {"type": "string", "maxLength": KEY_MAX},
        "description": "客户端为一次登记生成的唯一键（如 UUID）；重发同一请求时带上同一键，只登记一件",
    },
]


@router.post(
    "",
    **REGISTER,
    summary="登记投诉 register",
    description=(
        "幂等：同一来源系统（source_system）的同一外部编号（external_id），或同一账号的同一 "
        "Idempotency-Key 请求头，只登记一件投诉。首次登记答复 201 与查询码；重发（包括并发重发）"
        "答复 200、同一编号与 replayed=true，查询码只在首次答复中给出，不再显示。"
        "同一外部编号或幂等键配上不同的请求内容，答复 409，不登记。"
    ),
)
def register(request: AuthedRequest, body: RegisterIn) -> Status[Any] | HttpResponse:
    key = request.headers.get(IDEMPOTENCY_KEY, "")
    registered = services.register(actor=request.auth, data=body, idempotency_key=key)
    if "return=minimal" in request.headers.get("Prefer", ""):
        return _brief(registered)
    detail = selectors.complaint_detail(request.auth, registered.complaint, fresh=True)
    if registered.replayed:
        notice = _("此前已登记为投诉件 %(number)s，本次未重复登记；查询码只在首次登记时提供，不再显示。")
        replay: Replayed = {
            **detail,
            "query_code": "",
            "replayed": True,
            "notice": notice % {"number": registered.complaint.number},
        }
        return Status(200, replay)
    answer: Registered = {**detail, "query_code": registered.query_code}
    return Status(201, answer)


def _brief(registered: services.Registered) -> HttpResponse:
    c = registered.complaint
    brief: RegisteredBrief = {
        "number": c.number,
        "query_code": registered.query_code,
        "status": StatusCode(c.status),
        "version": c.version,
        "due_at": c.due_at,
        "repeat_of": c.repeat_of.number if c.repeat_of_id and c.repeat_of else None,
        "replayed": registered.replayed,
    }
    response = as_declared(brief, status=200 if registered.replayed else 201)
    response["Preference-Applied"] = "return=minimal"
    return response


@router.get("", **contract({200: ComplaintPage}, 422), summary="投诉列表 list")
def list_complaints(request: AuthedRequest, filters: Query[ListQuery]) -> HttpResponse:
    page = selectors.page_complaints(request.auth, filters)
    # Rows are built to ListRow's shape by the selector: answered as they are, not validated again
    # one by one (the contract tests check every answer against the schema).
    return as_declared(
        {
            "items": [api_row(row) for row in page.rows],
            "next_cursor": page.next_cursor,
            "total": page.total,
            "total_is_floor": page.more,
        }
    )


class ExportQuery(ListQuery):
    format: Literal["csv", "xlsx"] = Field("xlsx", description="csv：UTF-8 带 BOM；xlsx：Excel 工作簿")


@router.get(
    "/export",
    **contract(
        {200: None},
        422,
        content={"text/csv": BINARY, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": BINARY},
    ),
    summary="导出投诉列表 export",
)
def export_list(request: AuthedRequest, filters: Query[ExportQuery]) -> StreamingHttpResponse:
    return downloads.streamed(*exports.export(request.auth, filters, filters.format))


@router.get("/{number}", **contract({200: ComplaintDetail}, 404), summary="投诉详情 detail")
def detail(request: AuthedRequest, number: str) -> ComplaintDetail:
    return _detail(request, number)


@router.get("/{number}/dispatch-letter", **contract({200: DispatchLetter}, 404, 409), summary="交办函/转办函")
def dispatch_letter(request: AuthedRequest, number: str) -> DispatchLetter:
    from tousu.complaints.letters import dispatch_letter

    return dispatch_letter(request.auth, access_complaint(request.auth, number))


@router.get("/{number}/events", **contract({200: History}, 404), summary="办理记录 history")
def events(request: AuthedRequest, number: str) -> dict[str, Any]:
    complaint = access_complaint(request.auth, number)
    return {
        "number": complaint.number,
        "events": [selectors.event_row(e) for e in selectors.complaint_events(request.auth, complaint)],
    }


@router.post("/{number}/attachments", **contract({201: AttachmentOut}, *BODY, 403, 404, 409), summary="上传附件 attach")
def attach(request: AuthedRequest, number: str, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    attachment = attachments.add(
        actor=request.auth, number=number, data=Attach(name=file.name or "", content=file.read())
    )
    return Status(201, {"id": attachment.id, "name": attachment.original_name, "size": attachment.size})


@router.get(
    "/{number}/attachments/{attachment_id}",
    **contract({200: None}, 404, 422, content={"*/*": BINARY}),
    summary="下载附件",
)
def download(request: AuthedRequest, number: str, attachment_id: int) -> FileResponse:
    attachment, path = attachments.for_download(request.auth, number, attachment_id)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


class IdentityDecisionBody(Schema):
    """The decision on an identity request; the request itself is named in the path."""

    approved: bool
    note: str = Field("", max_length=2000)


@router.post(
    "/{number}/identity-requests", **contract({201: GrantOut}, *BODY, 403, 404, 409), summary="申请查看投诉人信息"
)
def request_identity(request: AuthedRequest, number: str, body: IdentityRequest) -> Status[dict[str, Any]]:
    grant = services.request_identity(actor=request.auth, number=number, data=body)
    return Status(201, {"id": grant.pk, "approved": None})


@router.post(
    "/{number}/contact-details", **contract({200: ContactOut}, *BODY, 403, 404, 409), summary="查看完整联系方式"
)
def reveal_contact(request: AuthedRequest, number: str, body: RevealContact) -> ContactOut:
    """投诉人的完整电话和电子邮件（回访、电话答复用）；每次查看都记入办理记录，并写明理由。"""
    return {"complainants": services.reveal_contact(actor=request.auth, number=number, data=body)}


@router.post(
    "/{number}/identity-requests/{grant_id}/decision",
    **contract({200: GrantOut}, *BODY, 403, 404, 409),
    summary="审批查看投诉人信息",
)
def decide_identity(request: AuthedRequest, number: str, grant_id: int, body: IdentityDecisionBody) -> dict[str, Any]:
    grant = services.decide_identity(
        actor=request.auth, number=number, data=IdentityDecision(grant=grant_id, approved=body.approved, note=body.note)
    )
    return {"id": grant.pk, "approved": grant.approved}


@router.post(
    "/{number}/attachments/{attachment_id}/release",
    **contract({200: ReleasedOut}, 403, 404, 409, 422),
    summary="放行附件",
)
def release(request: AuthedRequest, number: str, attachment_id: int) -> dict[str, Any]:
    attachment = services.release_attachment(
        actor=request.auth, number=number, data=ReleaseAttachment(attachment=attachment_id)
    )
    return {"id": attachment.pk, "released": attachment.released}


def _action_route(action: Action) -> None:
    """``POST /{number}/{action}``: the action's input as the body, the record as the answer, or
    the short ``MovedOut`` where the action took the complaint out of the caller's scope."""

    # ``body``'s annotation is the action's input class, read by ninja when it builds the route;
    # a type checker cannot use a class held in a variable as a type.
    def perform(request: AuthedRequest, number: str, body: action.input) -> ComplaintDetail | MovedOut:  # type: ignore[name-defined]
        complaint = action.service(actor=request.auth, number=number, data=body)
        try:
            detail = _detail(request, number)
            if sms := getattr(complaint, "sms_text", ""):  # an SMS reply's text, shown this once
                detail["sms_text"] = sms
            return detail
        except NotFound:
            # The action moved the complaint out of the caller's scope (e.g. a return to the centre).
            return {
                "number": complaint.number,
                "status": complaint.status,
                "version": complaint.version,
                "allowed_actions": [],
                "in_scope": False,
            }

    perform.__name__ = f"action_{action.name}"
    router.post(
        f"/{{number}}/{action.name}",
        **contract({200: ComplaintDetail | MovedOut}, *BODY, 403, 404, 409),
        operation_id=f"action_{action.name}",
        summary=f"{action.label} {action.name}",
        description=_described(action),
    )(perform)


def _described(action: Action) -> str:
    """The action's row of the table, for the reader of the OpenAPI document."""
    with translation.override(None):  # the labels' source strings: Chinese, as in the schema

        def names(codes: Iterable[str], choices: type[models.TextChoices]) -> str:
            return "、".join(f"{c.label}（{c.value}）" for c in choices if c in codes)

        stays = action.targets == (SAME,)
        return (
            f"从状态：{names(action.sources, states.Status)}。"
            f"结果：{'状态不变' if stays else names(action.targets, states.Status)}。"
            f"角色：{names(action.roles, Role)}。" + ("请求体须带投诉件当前的 version。" if action.versioned else "")
        )


# One route per lifecycle action of the action table, each with the action's own input schema.
for _action in FORM_ACTIONS.values():
    _action_route(_action)
