"""The investigation record's routes under /api/v1/complaints/{number}/investigation (issue 14):
read the record, add an entry, put the root cause and the batch, read the batch trace."""

from __future__ import annotations

from ninja import Router, Status

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.investigation import selectors, services
from tousu.investigation.selectors import BatchOut, EntryRow, InvestigationOut, RootCauseRow

router = Router(tags=["investigation 调查记录"])

WRITE = "不在数据范围 404；不是承办单位或角色无权 403；不在办理中或已归档 409；输入有误 422。"


@router.get(
    "/complaints/{number}/investigation",
    **contract({200: InvestigationOut}, 404),
    summary="调查记录 investigation record",
    description="调查笔记、证据、现场走访、检验检测，以及根本原因分析（8D或5W1H，依预设）和提交结果前尚缺的项。",
)
def record(request: AuthedRequest, number: str) -> InvestigationOut:
    return selectors.investigation_of(request.auth, number)


@router.post(
    "/complaints/{number}/investigation/entries",
    **contract({201: EntryRow}, *BODY, 403, 404, 409),
    summary="记录调查 add an entry",
    description="记一条调查记录：note 调查笔记、evidence 证据（须引用已上传的附件）、visit 现场走访（时间、地点、人员）、"
    "test 检验检测（项目、结果、检验人）。" + WRITE,
)
def add_entry(request: AuthedRequest, number: str, body: services.EntryIn) -> Status[EntryRow]:
    entry = services.add_entry(actor=request.auth, number=number, data=body)
    rows = selectors.investigation_of(request.auth, number)["entries"]
    return Status(201, next(r for r in rows if r["id"] == entry.pk))


@router.put(
    "/complaints/{number}/investigation/root-cause",
    **contract({200: RootCauseRow}, *BODY, 403, 404, 409),
    summary="根本原因 root cause",
    description="记录或修改根本原因分析：8D（D1至D8，每项内容、负责人、日期）或5W1H，方法须与预设一致。" + WRITE,
)
def put_root_cause(request: AuthedRequest, number: str, body: services.RootCauseIn) -> RootCauseRow:
    services.set_root_cause(actor=request.auth, number=number, data=body)
    row = selectors.investigation_of(request.auth, number)["root_cause"]
    assert row is not None
    return row


@router.put(
    "/complaints/{number}/investigation/batch",
    **contract({200: BatchOut}, *BODY, 403, 404, 409),
    summary="批次信息 batch",
    description="记录批号、生产日期、留样及其检查结果、调查中检查的相关批次。" + WRITE,
)
def put_batch(request: AuthedRequest, number: str, body: services.BatchIn) -> BatchOut:
    services.set_batch_trace(actor=request.auth, number=number, data=body)
    return selectors.batch_trace_of(request.auth, number)


@router.get(
    "/complaints/{number}/investigation/batch-trace",
    **contract({200: BatchOut}, 404),
    summary="批次追溯 batch trace",
    description="本件的批号、生产日期、留样检查，以及读者可见范围内同批号、同产品的其他投诉（仅编号和摘要，按隐名规则处理）。",
)
def batch_trace(request: AuthedRequest, number: str) -> BatchOut:
    return selectors.batch_trace_of(request.auth, number)
