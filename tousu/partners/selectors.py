"""Partners, inquiries and statements as the API, the pages and the export show them: names, not
codes, every amount a Decimal to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.utils import timezone
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accounts.models import User
from tousu.partners import statements
from tousu.partners.access import visible_inquiries, visible_partners, visible_statements
from tousu.partners.models import Attribution, Inquiry, InquiryStatus, Partner, Statement
from tousu.partners.services import Step, violation_name


def _name(user: User | None) -> str:
    return str(user) if user is not None else ""


class CreditRow(TypedDict):
    at: dt.datetime
    cause: str
    base: Decimal
    coefficient: Decimal
    points: Annotated[Decimal, Field(description="扣减的积分")]
    balance: Annotated[Decimal, Field(description="扣减后的信用积分")]
    trail: list[Step]
    by: str


class PartnerRow(TypedDict):
    code: str
    name: str
    kind: str
    kind_name: str
    aliases: list[str]
    credit: Annotated[Decimal, Field(description="当前信用积分")]
    hotline: bool
    active: bool


class PartnerDetail(PartnerRow):
    ledger: list[CreditRow]


def partner_row(p: Partner) -> PartnerRow:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "kind_name": str(p.get_kind_display()),
        "aliases": list(p.aliases),
        "credit": p.credit,
        "hotline": p.hotline,
        "active": p.active,
    }


def partners(actor: User) -> list[PartnerRow]:
    return [partner_row(p) for p in visible_partners(actor)]


def partner_detail(p: Partner) -> PartnerDetail:
    ledger: list[CreditRow] = [
        {
            "at": e.at,
            "cause": e.cause,
            "base": e.base,
            "coefficient": e.coefficient,
            "points": e.points,
            "balance": e.balance,
            "trail": list(e.trail),
            "by": _name(e.by) or "系统",
        }
        for e in p.ledger.select_related("by")
    ]
    return {**partner_row(p), "ledger": ledger}


class AttributionRow(TypedDict):
    number: str
    received_at: dt.datetime
    summary: str
    partner: str
    partner_name: str
    upgraded: bool
    at_fault: bool
    automatic: bool
    note: str


def attribution_row(a: Attribution) -> AttributionRow:
    return {
        "number": a.complaint.number,
        "received_at": a.complaint.received_at,
        "summary": a.complaint.summary,
        "partner": a.partner.code,
        "partner_name": a.partner.name,
        "upgraded": a.upgraded,
        "at_fault": a.at_fault,
        "automatic": a.automatic,
        "note": a.note,
    }


def attributions(partner: Partner, month: dt.date | None = None) -> list[AttributionRow]:
    rows = Attribution.objects.filter(partner=partner).select_related("complaint", "partner")
    if month is not None:
        start, end = statements.month_bounds(month)
        rows = rows.filter(complaint__received_at__gte=start, complaint__received_at__lt=end)
    return [attribution_row(a) for a in rows]


class InquiryRow(TypedDict):
    id: int
    partner: str
    partner_name: str
    violation: str
    violation_name: str
    facts: str
    complaints: list[str]
    suspended: str
    pre_report: str
    pre_report_name: str
    hq_judged: bool
    published_on: dt.date
    due_on: Annotated[dt.date, Field(description="反馈截止日（发布日后第3个工作日，不含发布日）")]
    status: Annotated[
        str, Field(description="published 待反馈、answered 已反馈待定性、established 违约成立、not_established 不成立")
    ]
    status_name: str
    overdue: bool
    answer: str
    answer_name: str
    answer_text: str
    evidence: str
    test_numbers: int
    answered_at: dt.datetime | None
    answered_by: str
    kept_denying: bool
    deemed: bool
    outcome_note: str
    decided_at: dt.datetime | None
    decided_by: str
    coefficient: Decimal | None
    points: Decimal | None
    trail: list[Step]


def inquiry_row(i: Inquiry) -> InquiryRow:
    return {
        "id": i.pk,
        "partner": i.partner.code,
        "partner_name": i.partner.name,
        "violation": i.violation,
        "violation_name": violation_name(i.violation),
        "facts": i.facts,
        "complaints": [c.number for c in i.complaints.all()],
        "suspended": i.suspended,
        "pre_report": i.pre_report,
        "pre_report_name": str(i.get_pre_report_display()),
        "hq_judged": i.hq_judged,
        "published_on": i.published_on,
        "due_on": i.due_on,
        "status": i.status,
        "status_name": str(i.get_status_display()),
        "overdue": i.status == InquiryStatus.PUBLISHED and timezone.localdate() > i.due_on,
        "answer": i.answer,
        "answer_name": str(i.get_answer_display()) if i.answer else "",
        "answer_text": i.answer_text,
        "evidence": i.evidence,
        "test_numbers": i.test_numbers,
        "answered_at": i.answered_at,
        "answered_by": _name(i.answered_by),
        "kept_denying": i.kept_denying,
        "deemed": i.deemed,
        "outcome_note": i.outcome_note,
        "decided_at": i.decided_at,
        "decided_by": _name(i.decided_by) or ("系统" if i.deemed else ""),
        "coefficient": i.coefficient,
        "points": i.points,
        "trail": list(i.trail),
    }


def inquiries(actor: User, partner: Partner | None = None) -> list[InquiryRow]:
    qs = visible_inquiries(actor).select_related("answered_by", "decided_by").prefetch_related("complaints")
    if partner is not None:
        qs = qs.filter(partner=partner)
    return [inquiry_row(i) for i in qs]


class ItemRow(TypedDict):
    position: int
    kind: str
    kind_name: str
    complaint: str | None
    description: str
    amount: Decimal
    dispute: Annotated[
        str, Field(description="空 无异议；pending 待处理；accepted 核减；refused 不成立；unclear 原因不清不予核减")
    ]
    dispute_name: str
    reason: str
    decision_note: str
    reduced: bool


class StatementRow(TypedDict):
    id: int
    partner: str
    partner_name: str
    month: Annotated[str, Field(description="结算月份，如 2026-10")]
    status: Annotated[str, Field(description="draft 草稿、published 已发布（异议期）、final 已确定")]
    status_name: str
    test_score: Decimal
    info_fees: Decimal
    hotline: bool
    refunds: Decimal
    double_refunds: Decimal
    no_reduction: Annotated[bool, Field(description="当月有升级投诉或经核实的违约行为，不得核减（002-40）")]
    no_reduction_why: str
    publish_due: dt.date
    published_on: dt.date | None
    dispute_until: dt.date | None
    original_total: Decimal
    reduced: Decimal
    final_total: Annotated[Decimal, Field(description="核减后的金额；确定后为最终金额")]
    original_count: Annotated[int, Field(description="投诉量原始数据（信用积分考核采用，002-41）")]
    final_count: int
    items: list[ItemRow]


def statement_row(s: Statement) -> StatementRow:
    totals = statements.totals(s)
    items: list[ItemRow] = [
        {
            "position": i.position,
            "kind": i.kind,
            "kind_name": str(i.get_kind_display()),
            "complaint": i.complaint.number if i.complaint else None,
            "description": i.description,
            "amount": i.amount,
            "dispute": i.dispute,
            "dispute_name": str(i.get_dispute_display()),
            "reason": i.reason,
            "decision_note": i.decision_note,
            "reduced": i.reduced,
        }
        for i in s.items.select_related("complaint")
    ]
    return {
        "id": s.pk,
        "partner": s.partner.code,
        "partner_name": s.partner.name,
        "month": s.month.strftime("%Y-%m"),
        "status": s.status,
        "status_name": str(s.get_status_display()),
        "test_score": s.test_score,
        "info_fees": s.info_fees,
        "hotline": s.hotline,
        "refunds": s.refunds,
        "double_refunds": s.double_refunds,
        "no_reduction": s.no_reduction,
        "no_reduction_why": s.no_reduction_why,
        "publish_due": statements.publish_due(s),
        "published_on": s.published_on,
        "dispute_until": s.dispute_until,
        "original_total": Decimal(totals["original_total"]),
        "reduced": Decimal(totals["reduced"]),
        "final_total": Decimal(totals["final_total"]),
        "original_count": int(totals["original_count"]),
        "final_count": int(totals["final_count"]),
        "items": items,
    }


class StatementBrief(TypedDict):
    id: int
    partner: str
    partner_name: str
    month: str
    status: str
    status_name: str
    final_total: Decimal


def statement_list(actor: User, partner: Partner | None = None) -> list[StatementBrief]:
    qs = visible_statements(actor)
    if partner is not None:
        qs = qs.filter(partner=partner)
    return [
        {
            "id": s.pk,
            "partner": s.partner.code,
            "partner_name": s.partner.name,
            "month": s.month.strftime("%Y-%m"),
            "status": s.status,
            "status_name": str(s.get_status_display()),
            "final_total": Decimal(statements.totals(s)["final_total"]),
        }
        for s in qs
    ]
