"""Reading reports: who may, and the rows the faces show. A report holds the organisation's
figures, so it is read by the managers, the auditors and users whose scope is everything."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from typing_extensions import TypedDict

from tousu.accounts.models import Role, Scope, User
from tousu.core.errors import NotFound, NotPermitted
from tousu.indicators.periods import BEIJING
from tousu.reports.kinds import KINDS
from tousu.reports.models import Report, ReportStatus
from tousu.reports.services import is_manager


class SectionRow(TypedDict):
    code: str
    heading: str
    text: str


class ReportSummary(TypedDict):
    id: int
    kind: str
    kind_name: str
    period: str
    period_label: str
    title: str
    status: str
    status_name: str
    reference: str
    author: str
    created_at: dt.datetime
    issued_at: dt.datetime | None
    version: int


class ReportRow(ReportSummary):
    issuer: str
    date: str  # the date line: 2026年12月1日 (issued, or today for a draft)
    sections: list[SectionRow]
    snapshot: dict[str, Any]


def may_read(user: User) -> bool:
    return is_manager(user) or user.role == Role.AUDITOR or user.scope == Scope.ALL


def require_reader(user: User) -> None:
    if not may_read(user):
        raise NotPermitted(_("您无权查看统计报告"), role=user.role)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _summary(r: Report) -> ReportSummary:
    kind = KINDS.get(r.kind)
    return ReportSummary(
        id=r.pk,
        kind=r.kind,
        kind_name=_(kind.name) if kind else r.kind,
        period=r.period,
        period_label=r.period_label,
        title=r.title,
        status=r.status,
        status_name=str(ReportStatus(r.status).label),
        reference=r.reference,
        author=(r.author.display_name or r.author.username) if r.author else _("系统"),
        created_at=r.created_at,
        issued_at=r.issued_at,
        version=r.version,
    )


def reports_of(actor: User, kind: str = "", status: str = "") -> list[ReportSummary]:
    require_reader(actor)
    qs = Report.objects.select_related("author")
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return [_summary(r) for r in qs[:500]]


def report_of(actor: User, report_id: int) -> ReportRow:
    require_reader(actor)
    r = Report.objects.select_related("author").filter(pk=report_id).first()
    if r is None:
        raise NotFound(_("报告不存在"), report=report_id)
    when = (r.issued_at or dt.datetime.now(dt.UTC)).astimezone(BEIJING).date()
    return ReportRow(
        **_summary(r),
        issuer=r.issuer,
        date=chinese_date(when),
        sections=[SectionRow(code=s["code"], heading=s["heading"], text=s["text"]) for s in r.sections],
        snapshot=r.snapshot,
    )


def file_name(row: ReportSummary, ext: str) -> str:
    return f"{row['reference'] or row['title']}.{ext}".replace("/", "-")
