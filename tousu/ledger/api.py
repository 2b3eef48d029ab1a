"""The ledger's routes (SPEC §11, issue 16): the ledger itself (``GET /api/v1/ledger``), its exports
— written while the caller waits up to ``exports.DIRECT_LIMIT`` rows, by the task queue beyond —
and the pending ledger (未了事宜台账). Thin: each parses the query and calls the ledger's services."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from typing_extensions import TypedDict

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import contract
from tousu.complaints.preset import active
from tousu.core import downloads
from tousu.core.errors import Conflict
from tousu.ledger import exports, pending, selectors
from tousu.ledger.models import Export
from tousu.ledger.pending import PendingLedger
from tousu.ledger.selectors import LedgerIn

router = Router(tags=["ledger 台账"])
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILES = {"text/csv": BINARY, exports.XLSX: BINARY}


class PendingQuery(Schema):
    unit: str = Field("", max_length=64, description="只看此单位及其下级单位承办的（单位代码）；缺省为全部")


class LayoutOut(TypedDict):
    code: str
    name: str


class ColumnOut(TypedDict):
    key: str
    label: str
    cell: Literal["text", "long", "date", "datetime", "int", "money"]


class LedgerOut(TypedDict):
    layout: LayoutOut
    layouts: list[LayoutOut]
    columns: list[ColumnOut]
    items: list[dict[str, Any]]
    total: int
    next: str | None


# Not "ExportQuery": the OpenAPI document names a schema by its class, and the complaints' list
# export has an ExportQuery of its own (one would declare the other's body).
class LedgerExportQuery(LedgerIn):
    format: Literal["csv", "xlsx"] = Field("xlsx", description="csv：UTF-8 带 BOM；xlsx：Excel 工作簿")


class ExportOut(TypedDict):
    id: str
    title: str
    format: str
    state: Literal["queued", "running", "done", "failed"]
    total: int
    done: int
    percent: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    download: str | None


def export_out(e: Export) -> ExportOut:
    done = e.state == Export.State.DONE
    return {
        "id": e.key,
        "title": e.title,
        "format": e.format,
        "state": e.state,  # type: ignore[typeddict-item]
        "total": e.total,
        "done": e.done,
        "percent": e.percent,
        "error": e.error,
        "created_at": e.created_at,
        "finished_at": e.finished_at,
        "download": f"/api/v1/ledger/exports/{e.key}/file" if done else None,
    }


@router.get(
    "/ledger",
    **contract({200: LedgerOut}, 404, 422),
    summary="投诉台账 ledger",
    description="调用者可见的投诉，按预设的台账格式（layout）列出各列；筛选同投诉列表，另有 period、subtree、respondent、"
    "product、batch、satisfaction、liable；sort 排序；翻页用上一页返回的 next 作为 after。摘转件隐去投诉人，"
    "联系方式按角色遮蔽。",
)
def ledger(request: AuthedRequest, q: Query[LedgerIn]) -> LedgerOut:
    found = selectors.page(request.auth, q)
    return {
        "layout": {"code": found.layout.code, "name": found.layout.name},
        "layouts": [{"code": x.code, "name": x.name} for x in active().ledger.layouts],
        "columns": [{"key": c.key, "label": str(c.label), "cell": c.cell} for c in found.columns],
        "items": [{k: v for k, v in row.items() if k != "id"} for row in found.rows],
        "total": found.total,
        "next": found.next,
    }


@router.get(
    "/ledger/export",
    **contract({200: None}, 404, 409, 422, content=FILES),
    summary="导出台账 export (direct)",
    description=f"不超过 {exports.DIRECT_LIMIT} 条时直接下载；更多时 409 too_large，请用 POST /api/v1/ledger/exports 后台导出。",
)
def export_direct(request: AuthedRequest, q: Query[LedgerExportQuery]) -> StreamingHttpResponse:
    return downloads.streamed(*exports.direct(request.auth, q, q.format))


@router.post(
    "/ledger/exports",
    **contract({202: ExportOut}, 404, 422),
    summary="后台导出台账 start an export",
    description="由任务队列写出文件，不限条数；用 GET /api/v1/ledger/exports/{id} 查看进度，完成后下载。",
)
def export_start(request: AuthedRequest, q: LedgerExportQuery) -> Status[ExportOut]:
    return Status(202, export_out(exports.start(request.auth, q, q.format)))


@router.get("/ledger/exports/{key}", **contract({200: ExportOut}, 404), summary="导出进度 export progress")
def export_state(request: AuthedRequest, key: str) -> ExportOut:
    return export_out(exports.mine(request.auth, key))


@router.get(
    "/ledger/exports/{key}/file",
    **contract({200: None}, 404, 409, content=FILES),
    summary="下载导出文件 download an export",
)
def export_file(request: AuthedRequest, key: str) -> FileResponse:
    export = exports.mine(request.auth, key)
    if export.state != Export.State.DONE:
        raise Conflict(
            _("导出尚未完成（%(s)s）") % {"s": export.get_state_display()}, code="not_ready", state=export.state
        )
    return FileResponse(
        exports.path_of(export).open("rb"),
        as_attachment=True,
        filename=f"ledger-{export.key[:8]}.{export.format}",
        content_type=exports.CONTENT_TYPES[export.format],
    )


@router.get(
    "/ledger/pending",
    **contract({200: PendingLedger}, 404, 422),
    summary="未了事宜台账 pending ledger",
    description="调用者可见的全部在办投诉，按承办单位分组（尚无承办单位的列为「待分办」），每件列出当前期限和距期限的"
    "工作日数（正数剩余、0 今日到期、负数已超期），组内最紧急的在前；摘转件隐去投诉人。未知单位 404。",
)
def pending_ledger(request: AuthedRequest, q: Query[PendingQuery]) -> PendingLedger:
    return pending.pending(request.auth, q.unit or None)
