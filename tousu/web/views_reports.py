"""Report pages (tousu.reports): the list with the form that drafts one, a report's page with its
editable narrative, the issue button and the Word and PDF downloads. Each post parses, calls one
service, and returns with the outcome as a message."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.complaints.preset import active
from tousu.core.downloads import disposition
from tousu.core.errors import NotFound
from tousu.reports import render as documents
from tousu.reports import selectors, services
from tousu.reports.kinds import KINDS
from tousu.reports.models import ReportStatus
from tousu.web.auth import StaffRequest
from tousu.web.forms import parse
from tousu.web.views import posted, staff_view

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _numbers(text: str) -> list[str]:
    for sep in ("，", "、", "\n", " "):
        text = text.replace(sep, ",")
    return [n.strip()[:40] for n in text.split(",") if n.strip()][: services.MAX_CASES + 1]


@staff_view
def reports(request: StaffRequest) -> HttpResponseBase:
    selectors.require_reader(request.user)
    if request.method == "POST":
        post = request.POST
        report = posted(
            request,
            lambda: services.generate(
                actor=request.user,
                data=parse(
                    services.GenerateIn,
                    kind=post.get("kind", "")[:30],
                    period=post.get("period", "")[:30],
                    cases=_numbers(post.get("cases", "")[:2000]),
                ),
            ),
            _("已生成报告草稿，请核对数据、修改文字后印发。"),
        )
        if report is not None:
            return redirect("web:report", report.pk)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    kind = kind if kind in KINDS else ""
    status = status if status in ReportStatus.values else ""
    offered = [(code, _(KINDS[code].name)) for code in active().reports.kinds]
    return render(
        request,
        "reports/list.html",
        {
            "rows": selectors.reports_of(request.user, kind=kind, status=status),
            "kinds": offered,
            "kind": kind,
            "status": status,
            "statuses": ReportStatus.choices,
            "may_manage": services.is_manager(request.user),
            "posted": request.POST if request.method == "POST" else {},
            "here": "reports",
        },
    )


@staff_view
def report(request: StaffRequest, report_id: int) -> HttpResponseBase:
    row = selectors.report_of(request.user, report_id)
    if request.method == "POST":
        post = request.POST
        codes = [s["code"] for s in row["sections"]]
        sections = [{"code": c, "text": post.get(f"section-{c}", "")[:20000]} for c in codes if f"section-{c}" in post]
        posted(
            request,
            lambda: services.edit(
                actor=request.user,
                report_id=report_id,
                data=parse(services.EditIn, version=post.get("version", "0")[:10], sections=sections),
            ),
            _("已保存。"),
        )
        return redirect("web:report", report_id)
    return render(
        request,
        "reports/detail.html",
        {
            "r": row,
            "tables": documents.tables(row, with_charts=False),
            "may_edit": services.is_manager(request.user) and row["status"] == ReportStatus.DRAFT,
            "here": "reports",
        },
    )


@staff_view
@require_POST
def report_issue(request: StaffRequest, report_id: int) -> HttpResponseBase:
    posted(
        request,
        lambda: services.issue(
            actor=request.user,
            report_id=report_id,
            version=parse(services.IssueIn, version=request.POST.get("version", "0")[:10]).version,
        ),
        lambda r: _("已印发，文号%(ref)s。") % {"ref": r.reference},
    )
    return redirect("web:report", report_id)


@staff_view
@require_GET
def report_file(request: StaffRequest, report_id: int, ext: str) -> HttpResponse:
    if ext not in CONTENT_TYPES:
        raise NotFound(_("没有这种文件格式"))
    row = selectors.report_of(request.user, report_id)
    content = documents.pdf(row) if ext == "pdf" else documents.docx(row)
    response = HttpResponse(content, content_type=CONTENT_TYPES[ext])
    response["Content-Disposition"] = disposition(f"report-{row['id']}.{ext}", selectors.file_name(row, ext))
    return response
