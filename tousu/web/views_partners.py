"""The partners' pages (issue 15 §5): for the SP desk, the partner list, a partner's page with its
credit ledger, complaints, inquiries and statements, an inquiry, a statement with its disputes;
for a partner's own account, the same pages of its own partner only (another's is a 404) with
the answer and dispute forms. Each form posts to one service and returns with the outcome."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.complaints.preset import active
from tousu.core.errors import NotFound
from tousu.partners import exports, selectors, services, statements
from tousu.partners.access import (
    access_inquiry,
    access_partner,
    access_statement,
    is_desk,
    member_of,
)
from tousu.partners.models import Answer, DisputeStatus, Kind, PreReport
from tousu.web.auth import StaffRequest
from tousu.web.forms import parse
from tousu.web.views import posted, staff_view


def _flag(request: StaffRequest, name: str) -> bool:
    return request.POST.get(name, "") in ("on", "true", "1")


@staff_view
@require_GET
def partner_list(request: StaffRequest) -> HttpResponseBase:
    own = member_of(request.user)
    if own is not None:
        return redirect("web:partner", own.code)
    context = {
        "rows": selectors.partners(request.user),
        "desk": is_desk(request.user),
        "kinds": Kind.choices,
        "enabled": active().partners.enabled,
        "statements": selectors.statement_list(request.user)[:20],
    }
    return render(request, "partners/list.html", context)


@staff_view
@require_POST
def partner_create(request: StaffRequest) -> HttpResponseBase:
    post = request.POST

    def call() -> None:
        aliases = [a for a in post.get("aliases", "").replace("，", ",").split(",") if a.strip()]
        data = parse(
            services.PartnerIn,
            code=post.get("code", "").strip(),
            name=post.get("name", ""),
            kind=post.get("kind", ""),
            aliases=aliases,
            hotline=_flag(request, "hotline"),
        )
        services.create_partner(actor=request.user, data=data)

    posted(request, call, _("已新增合作方。"))
    return redirect("web:partners")


@staff_view
def partner(request: StaffRequest, code: str) -> HttpResponseBase:
    found = access_partner(request.user, code)
    if request.method == "POST":
        return _partner_post(request, found.code)
    staff = member_of(request.user) is None
    context = {
        "p": selectors.partner_detail(found),
        "inquiries": selectors.inquiries(request.user, found),
        "statements": selectors.statement_list(request.user, found),
        "attributions": selectors.attributions(found) if staff else [],
        "staff": staff,
        "desk": is_desk(request.user),
        "violations": active().partners.violations,
        "pre_reports": PreReport.choices,
    }
    return render(request, "partners/partner.html", context)


def _partner_post(request: StaffRequest, code: str) -> HttpResponseBase:
    post = request.POST
    form = post.get("form", "")
    user = request.user
    if form == "member":
        posted(
            request,
            lambda: services.add_member(actor=user, partner_code=code, username=post.get("username", "").strip()),
            _("已开通合作方账号。"),
        )
    elif form == "attribute":
        posted(
            request,
            lambda: services.attribute(
                actor=user,
                number=post.get("number", "").strip(),
                data=parse(
                    services.AttributionIn,
                    partner=code,
                    upgraded=_flag(request, "upgraded") if post.get("upgraded_set") else None,
                    at_fault=_flag(request, "at_fault"),
                    note=post.get("note", ""),
                ),
            ),
            _("已归属。"),
        )
    elif form == "inquiry":
        posted(
            request,
            lambda: services.publish_inquiry(
                actor=user,
                data=parse(
                    services.InquiryIn,
                    partner=code,
                    violation=post.get("violation", ""),
                    facts=post.get("facts", ""),
                    complaints=[n for n in post.get("complaints", "").replace("，", ",").split(",") if n.strip()],
                    suspended=post.get("suspended", ""),
                    pre_report=post.get("pre_report", ""),
                    hq_judged=_flag(request, "hq_judged"),
                ),
            ),
            _("已发布违约核查通知。"),
        )
    elif form == "statement":
        posted(
            request,
            lambda: statements.prepare(
                actor=user,
                data=parse(
                    statements.StatementIn,
                    partner=code,
                    month=post.get("month", ""),
                    test_score=post.get("test_score", ""),
                    info_fees=post.get("info_fees", ""),
                    refunds=post.get("refunds", "") or "0",
                    double_refunds=post.get("double_refunds", "") or "0",
                ),
            ),
            _("已生成结算单草稿。"),
        )
    else:
        messages.error(request, _("未知的操作"))
    return redirect("web:partner", code)


def _pk(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound(_("页面不存在"))
    return int(text)


@staff_view
def inquiry(request: StaffRequest, inquiry_id: str) -> HttpResponseBase:
    found = access_inquiry(request.user, _pk(inquiry_id))
    if request.method == "POST":
        post = request.POST
        if post.get("form") == "answer":
            count = post.get("test_numbers", "") or "0"
            posted(
                request,
                lambda: services.answer(
                    actor=request.user,
                    inquiry_id=found.pk,
                    data=parse(
                        services.AnswerIn,
                        answer=post.get("answer", ""),
                        text=post.get("text", ""),
                        evidence=post.get("evidence", ""),
                        test_numbers=int(count) if count.isdigit() and len(count) < 3 else -1,
                    ),
                ),
                _("已反馈。"),
            )
        elif post.get("form") == "outcome":
            posted(
                request,
                lambda: services.decide(
                    actor=request.user,
                    inquiry_id=found.pk,
                    data=parse(
                        services.OutcomeIn,
                        established=post.get("established", "") == "true",
                        kept_denying=_flag(request, "kept_denying"),
                        hq_judged=_flag(request, "hq_judged"),
                        note=post.get("note", ""),
                    ),
                ),
                _("已定性。"),
            )
        return redirect("web:partner_inquiry", found.pk)
    context = {
        "i": selectors.inquiry_row(found),
        "member": member_of(request.user) is not None,
        "desk": is_desk(request.user),
        "answers": Answer.choices,
    }
    return render(request, "partners/inquiry.html", context)


@staff_view
def statement(request: StaffRequest, statement_id: str) -> HttpResponseBase:
    found = access_statement(request.user, _pk(statement_id))
    if request.method == "POST":
        _statement_post(request, found.pk)
        return redirect("web:partner_statement", found.pk)
    context = {
        "s": selectors.statement_row(found),
        "member": member_of(request.user) is not None,
        "desk": is_desk(request.user),
        "decisions": [c for c in DisputeStatus.choices if c[0] in ("accepted", "refused", "unclear")],
    }
    return render(request, "partners/statement.html", context)


def _statement_post(request: StaffRequest, pk: int) -> None:
    post = request.POST
    form = post.get("form", "")
    item = post.get("item", "")
    position = int(item) if item.isdigit() and len(item) < 10 else 0
    if form == "dispute":
        posted(
            request,
            lambda: statements.dispute(
                actor=request.user,
                statement_id=pk,
                data=parse(statements.DisputeIn, item=position, reason=post.get("reason", "")),
            ),
            _("已提出异议。"),
        )
    elif form == "decide":
        posted(
            request,
            lambda: statements.decide(
                actor=request.user,
                statement_id=pk,
                data=parse(
                    statements.DecisionIn, item=position, decision=post.get("decision", ""), note=post.get("note", "")
                ),
            ),
            _("已处理异议。"),
        )
    elif form == "publish":
        posted(request, lambda: statements.publish(actor=request.user, statement_id=pk), _("已发布结算单。"))
    elif form == "finalise":
        posted(request, lambda: statements.finalise(actor=request.user, statement_id=pk), _("已确定结算金额。"))
    else:
        messages.error(request, _("未知的操作"))


@staff_view
@require_GET
def statement_export(request: StaffRequest, statement_id: str) -> HttpResponse:
    row = selectors.statement_row(access_statement(request.user, _pk(statement_id)))
    response = HttpResponse(exports.statement_xlsx(row), content_type=exports.XLSX)
    response["Content-Disposition"] = exports.disposition(row)
    return response
