"""Reports' routes under /api/v1/reports (issue 16 §6): list, draft, read, edit the narrative,
issue, download as Word or PDF. Thin: each parses, calls one service or selector, answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, contract
from tousu.core.downloads import disposition
from tousu.reports import render, selectors, services
from tousu.reports.selectors import ReportRow, ReportSummary

router = Router(tags=["reports 报告"])

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BINARY = {"schema": {"type": "string", "format": "binary"}}


class GenerateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        max_length=30,
        description="报告类型：weekly、monthly、quarterly、half_yearly、yearly、regulator_half_yearly（监管半年报告）、"
        "government_quarterly（效能投诉季度统计）、bulletin（典型案例通报），以预设提供的为限",
    )
    period: str = Field(
        max_length=30, description="统计期间：2026-W48、2026-11、2026-Q4、2026-H2、2026（与报告类型相符）"
    )
    cases: list[str] = Field(
        default_factory=list, max_length=10, description="典型案例的投诉编号（通报必填，须已办结）"
    )


class SectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=40, description="部分的代码，如 overview、measures")
    text: str = Field(max_length=20000, description="正文，每段一行")


class EditBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1, description="报告的当前版本（乐观锁）")
    sections: list[SectionBody] = Field(max_length=40)


class IssueBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1)


class ReportList(Schema):
    items: list[ReportSummary]


@router.get("/reports", **contract({200: ReportList}, 403), summary="报告列表 reports")
def list_reports(request: AuthedRequest, kind: str = "", status: str = "") -> dict[str, Any]:
    return {"items": selectors.reports_of(request.auth, kind=kind[:30], status=status[:10])}


@router.post(
    "/reports",
    **contract({201: ReportRow}, *BODY, 403, 404, 409),
    summary="生成报告草稿 draft a report",
    description="按统计期间生成报告草稿：数据取自当时的统计（此后不变），文字部分按数据预填，可修改后印发。"
    "类型不在预设之内或期间格式不符 422；非投诉中心或管理员 403；同类型同期间的报告已存在 409。",
)
def generate(request: AuthedRequest, body: GenerateBody) -> Status[ReportRow]:
    report = services.generate(
        actor=request.auth, data=services.GenerateIn(kind=body.kind, period=body.period, cases=body.cases)
    )
    return Status(201, selectors.report_of(request.auth, report.pk))


@router.get("/reports/{report_id}", **contract({200: ReportRow}, 403, 404, 422), summary="报告 a report")
def read(request: AuthedRequest, report_id: int) -> ReportRow:
    return selectors.report_of(request.auth, report_id)


@router.patch(
    "/reports/{report_id}",
    **contract({200: ReportRow}, *BODY, 403, 404, 409),
    summary="修改报告文字 edit the narrative",
    description="改写草稿的文字部分（只改所列部分）。已印发 409；版本过期 409。",
)
def edit(request: AuthedRequest, report_id: int, body: EditBody) -> ReportRow:
    sections = [services.SectionIn(code=s.code, text=s.text) for s in body.sections]
    services.edit(
        actor=request.auth, report_id=report_id, data=services.EditIn(version=body.version, sections=sections)
    )
    return selectors.report_of(request.auth, report_id)


@router.post(
    "/reports/{report_id}/issue",
    **contract({200: ReportRow}, *BODY, 403, 404, 409),
    summary="印发报告 issue",
    description="印发草稿：编制文号，此后报告不再改变。已印发 409；版本过期 409。",
)
def issue(request: AuthedRequest, report_id: int, body: IssueBody) -> ReportRow:
    services.issue(actor=request.auth, report_id=report_id, version=body.version)
    return selectors.report_of(request.auth, report_id)


def _file(row: ReportRow, content: bytes, content_type: str, ext: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = selectors.file_name(row, ext)
    response["Content-Disposition"] = disposition(f"report-{row['id']}.{ext}", name)
    return response


@router.get(
    "/reports/{report_id}/docx", **contract({200: None}, 403, 404, 422, content={DOCX: BINARY}), summary="下载报告 Word"
)
def download_docx(request: AuthedRequest, report_id: int) -> HttpResponse:
    row = selectors.report_of(request.auth, report_id)
    return _file(row, render.docx(row), DOCX, "docx")


@router.get(
    "/reports/{report_id}/pdf", **contract({200: None}, 403, 404, 422, content={PDF: BINARY}), summary="下载报告 PDF"
)
def download_pdf(request: AuthedRequest, report_id: int) -> HttpResponse:
    row = selectors.report_of(request.auth, report_id)
    return _file(row, render.pdf(row), PDF, "pdf")
