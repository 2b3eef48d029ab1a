"""/api/v1/complaints: register, list, detail, one route per lifecycle action, events, attachments."""
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from tousu.complaints import exports, selectors, services
from tousu.complaints.services import confidentiality
from tousu.complaints.access import access_complaint
from tousu.complaints.inputs import ACTION_INPUTS, ActionIn, ListIn, RegisterIn
from tousu.complaints.states import TRANSITIONS
from tousu.core.errors import NotFound

router = Router(tags=["complaints"])


class Error(Schema):
    code: str
    message: str
    data: dict


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class ListQuery(Schema, ListIn):
    """The list filters (inputs.ListIn) as query parameters."""


def _detail(request: HttpRequest, number: str) -> dict[str, Any]:
    complaint = access_complaint(request.auth, number)
    return selectors.complaint_detail(request.auth, complaint)


@router.post("", response={201: dict, **ERRORS}, summary="登记投诉 register")
def register(request: HttpRequest, body: RegisterIn):  # noqa: ANN201
    complaint = services.register(actor=request.auth, data=body.to_registration())
    detail = selectors.complaint_detail(request.auth, complaint)
    detail["query_code"] = complaint.query_code
    return Status(201, detail)


@router.get("", response={200: dict, **ERRORS}, summary="投诉列表 list")
def list_complaints(request: HttpRequest, filters: Query[ListQuery]):  # noqa: ANN201
    rows, next_cursor = selectors.list_complaints(request.auth, filters)
    return {"items": selectors.list_rows(request.auth, rows),
            "next_cursor": next_cursor}


class ExportQuery(ListQuery):
    format: str = Field("xlsx", description="csv or xlsx")


@router.get("/export", response={200: None, **ERRORS}, summary="导出投诉列表 export")
def export_list(request: HttpRequest, filters: Query[ExportQuery]):  # noqa: ANN201
    body, content_type, name = exports.export(request.auth, filters, filters.format)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/{number}", response={200: dict, **ERRORS}, summary="投诉详情 detail")
def detail(request: HttpRequest, number: str):  # noqa: ANN201
    return _detail(request, number)


@router.get("/{number}/dispatch-letter", response={200: dict, **ERRORS}, summary="交办函/转办函")
def dispatch_letter(request: HttpRequest, number: str):  # noqa: ANN201
    from tousu.complaints.letters import dispatch_letter

    return dispatch_letter(request.auth, access_complaint(request.auth, number))


@router.get("/{number}/events", response={200: dict, **ERRORS}, summary="办理记录 history")
def events(request: HttpRequest, number: str):  # noqa: ANN201
    complaint = access_complaint(request.auth, number)
    return {"number": complaint.number, "events": [selectors.event_row(e) for e in selectors.complaint_events(request.auth, complaint)]}


@router.post("/{number}/attachments", response={201: dict, **ERRORS}, summary="上传附件 attach")
def attach(request: HttpRequest, number: str, file: File[UploadedFile]):  # noqa: ANN201
    attachment = services.add_attachment(actor=request.auth, number=number, name=file.name or "",
                                         content=file.read())
    return Status(201, {"id": attachment.id, "name": attachment.original_name, "size": attachment.size})


@router.get("/{number}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="下载附件")
def download(request: HttpRequest, number: str, attachment_id: int):  # noqa: ANN201
    attachment, path = selectors.attachment_for(request.auth, number, attachment_id)
    return FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


class IdentityRequestIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class IdentityDecisionIn(Schema):
    approved: bool
    note: str = Field("", max_length=2000)


@router.post("/{number}/identity-requests", response={201: dict, **ERRORS}, summary="申请查看投诉人信息")
def request_identity(request: HttpRequest, number: str, body: IdentityRequestIn):  # noqa: ANN201
    grant = confidentiality.request_identity(actor=request.auth, number=number, reason=body.reason)
    return Status(201, {"id": grant.pk, "approved": None})


@router.post("/{number}/identity-requests/{grant_id}/decision", response={200: dict, **ERRORS},
             summary="审批查看投诉人信息")
def decide_identity(request: HttpRequest, number: str, grant_id: int, body: IdentityDecisionIn):  # noqa: ANN201
    grant = confidentiality.decide_identity(actor=request.auth, number=number, grant_id=grant_id,
                                            approved=body.approved, note=body.note)
    return {"id": grant.pk, "approved": grant.approved}


@router.post("/{number}/attachments/{attachment_id}/release", response={200: dict, **ERRORS}, summary="放行附件")
def release(request: HttpRequest, number: str, attachment_id: int):  # noqa: ANN201
    attachment = confidentiality.release_attachment(actor=request.auth, number=number, attachment_id=attachment_id)
    return {"id": attachment.pk, "released": attachment.released}


def _action_route(action: str, schema: type[ActionIn]) -> None:
    service = services.ACTIONS[action]

    def perform(request: HttpRequest, number: str, body: schema):  # noqa: ANN202
        complaint = service(actor=request.auth, number=number, **body.model_dump())
        try:
            return _detail(request, number)
        except NotFound:
            # The action moved the complaint out of the caller's scope (e.g. a return to the centre).
            return {"number": complaint.number, "status": complaint.status, "version": complaint.version,
                    "allowed_actions": [], "in_scope": False}

    perform.__name__ = f"action_{action}"
    router.post(f"/{{number}}/{action}", response={200: dict, **ERRORS}, operation_id=f"action_{action}",
                summary=f"{TRANSITIONS[action].label} {action}")(perform)


# One route per SPEC §5 action, each with its own input schema (listed in ACTION_INPUTS).
for _action, _schema in ACTION_INPUTS.items():
    _action_route(_action, _schema)
