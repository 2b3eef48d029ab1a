"""Writing reports (SPEC §11): draft one from a frozen snapshot of the statistics, edit its
narrative, issue it. Drafting and issuing are for the managers (the centre and the
administrators); each change is on the administrators' log (``accounts.services.log``), as other
changes to the organisation's records are. An issued report is frozen: its figures were taken
when it was drafted and its text when it was issued, so it reads the same whatever is registered
afterwards."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import Role, Scope, Unit, User
from tousu.accounts.services import log
from tousu.complaints.access import access_complaint, visible_complaints
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.core.errors import Conflict, InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationFailed
from tousu.indicators import definitions, periods
from tousu.indicators.stats import StatsQuery, stats
from tousu.reports import narrative
from tousu.reports.kinds import KINDS, UNIT_LABELS, Kind
from tousu.reports.models import Report, ReportSequence, ReportStatus

MANAGERS = (Role.CENTER, Role.ADMIN)
MAX_CASES = 10
CASE_CHARS = 300  # a case's facts are an excerpt, not the whole complaint


class GenerateIn(Input):
    kind: str = Field(max_length=30, description="报告类型：monthly、quarterly、regulator_half_yearly、bulletin 等")
    period: str = Field(max_length=30, description="统计期间：2026-W48、2026-11、2026-Q4、2026-H2、2026")
    cases: list[str] = Field(default_factory=list, max_length=MAX_CASES, description="典型案例的投诉编号（通报必填）")


class SectionIn(Input):
    code: str = Field(max_length=40)
    text: str = Field(max_length=20000)


class IssueIn(Input):
    version: int = Field(ge=1, le=2**31 - 1, description="报告的当前版本（乐观锁）")


class EditIn(Input):
    version: int = Field(ge=1, le=2**31 - 1, description="报告的当前版本（乐观锁）")
    sections: list[SectionIn] = Field(max_length=40)


def is_manager(user: User | None) -> bool:
    return user is not None and (user.role in MANAGERS or user.is_superuser)


def require_manager(actor: User) -> None:
    if not is_manager(actor):
        raise NotPermitted(_("只有投诉中心和管理员可以生成、修改和印发报告"), role=actor.role)


def offered(kind: str) -> Kind:
    """The kind, if the preset in force offers it."""
    from tousu.complaints.preset import active

    if kind not in KINDS or kind not in active().reports.kinds:
        raise ValidationFailed(_("本单位不使用此类报告：%(k)s") % {"k": kind}, field="kind")
    return KINDS[kind]


def unit_of(code: str) -> str:
    """The kind of period a code names: week, month, quarter, half or year."""
    if "W" in code:
        return "week"
    if "Q" in code:
        return "quarter"
    if "H" in code:
        return "half"
    return "month" if "-" in code else "year"


def period_for(kind: Kind, text: str) -> periods.Period:
    period = periods.parse(text)
    if kind.unit and unit_of(period.code) != kind.unit:
        raise ValidationFailed(
            _("%(name)s按%(unit)s统计，请填写相应的期间，如 %(example)s")
            % {"name": _(kind.name), "unit": _(UNIT_LABELS[kind.unit]), "example": EXAMPLES[kind.unit]},
            field="period",
        )
    return period


EXAMPLES = {"week": "2026-W48", "month": "2026-11", "quarter": "2026-Q4", "half": "2026-H2", "year": "2026"}


def _jsonable(value: Any) -> Any:
    """As the JSON column stores it: Decimals and dates as strings, so what the draft was made from
    in memory and what is read back later are the same."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _ranked(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(g: dict[str, Any]) -> tuple[bool, float, float, int]:
        f = g["figures"]
        on_time = float(f.get("on_time_rate") or -1)
        satisfied = float(f.get("satisfaction_rate") or -1)
        # The unassigned (key None) are no unit to rank: last.
        return (g.get("key") in (None, ""), -on_time, -satisfied, -int(f.get("received") or 0))

    return sorted(groups, key=key)


def _case(c: Complaint) -> dict[str, Any]:
    """A closed complaint as a typical case: what happened and how it was handled, with every form
    of the complainants' identity scrubbed out (core.redaction) — no name, phone or address."""
    from tousu.complaints.confidentiality import scrubber_for

    scrub = scrubber_for(c)

    def clean(text: str, limit: int = CASE_CHARS) -> str:
        text = " ".join(scrub(text or "").split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    received = c.received_at.astimezone(periods.BEIJING).date()
    return {
        "number": c.number,
        "title": clean(c.summary, 60) or (c.category.name if c.category else c.number),
        "received": f"{received.year}年{received.month}月{received.day}日",
        "channel": c.get_channel_display(),
        "category": c.category.name if c.category else "",
        "unit": c.handling_unit.name if c.handling_unit else "",
        "summary": clean(c.summary, 60),
        "content": clean(c.content),
        "findings": clean(c.findings),
        "solution": clean(c.solution),
        "satisfaction": c.get_satisfaction_display() if c.satisfaction else "",
    }


def _named_cases(actor: User, numbers: list[str]) -> list[dict[str, Any]]:
    out, seen = [], set()
    for raw in numbers:
        number = raw.strip()
        if not number or number in seen:
            continue
        seen.add(number)
        try:
            c = access_complaint(actor, number)
        except NotFound as err:  # a wrong number in the form, not a missing report
            raise ValidationFailed(err.message, field="cases", number=number) from None
        if c.status not in definitions.CLOSED:
            raise ValidationFailed(
                _("投诉件 %(n)s 尚未办结，不能作为典型案例") % {"n": number}, field="cases", number=number
            )
        out.append(_case(c))
    return out


def _chosen_cases(actor: User, period: periods.Period, n: int) -> list[dict[str, Any]]:
    """The period's closed complaints of the highest grades, the latest first."""
    qs = definitions.counted(visible_complaints(actor).filter(period.received(), status__in=definitions.CLOSED))
    rows = qs.select_related("category", "handling_unit").order_by("-grade__rank", "-received_at")[:n]
    return [_case(c) for c in rows]


def snapshot(actor: User, kind: Kind, period: periods.Period, numbers: Sequence[str] = ()) -> dict[str, Any]:
    """What the report is written from: the total with 环比 and 同比, each table's groups (one
    ``stats`` per table), and the typical cases; as the JSON column stores it."""
    base = stats(actor, StatsQuery(period=period.code, compare=kind.comparisons))
    tables: dict[str, Any] = {}
    for table in kind.tables:
        out = stats(actor, StatsQuery(period=period.code, by=table.by, compare=False))
        groups: list[Any] = list(out["groups"])
        tables[table.by] = {
            "groups": _ranked(groups) if table.ranking else groups,
            "pareto": list(out["pareto"]),
        }
    if numbers:
        cases = _named_cases(actor, list(numbers))
    else:
        cases = _chosen_cases(actor, period, kind.cases) if kind.cases else []
    return _jsonable(
        {
            "period": base["period"],
            "total": base["total"],
            "previous": base["previous"],
            "last_year": base["last_year"],
            "change": base["change"],
            "tables": tables,
            "cases": cases,
            "taken_at": timezone.now(),
        }
    )


def _issuer() -> str:
    from tousu.complaints.preset import active

    named = active().reports.issuer
    if named:
        return named
    root = Unit.objects.filter(parent__isnull=True).order_by("id").values_list("name", flat=True).first()
    return root or ""


def _sections(kind: Kind, snap: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"code": s.code, "heading": _(s.heading), "text": narrative.GENERATORS[s.code](snap)} for s in kind.sections
    ]


def _draft(actor: User | None, kind: Kind, period: periods.Period, snap: dict[str, Any]) -> Report:
    return Report.objects.create(
        kind=kind.code,
        period=period.code,
        period_label=period.label,
        title=f"{period.label}{_(kind.name)}",
        snapshot=snap,
        sections=_sections(kind, snap),
        author=actor,
        issuer=_issuer(),
    )


@transaction.atomic(durable=True)
def generate(*, actor: User, data: GenerateIn) -> Report:
    """Draft a report of ``data.kind`` for ``data.period``. One report of a kind per period (409
    if it exists: edit that one); the bulletin must name closed complaints the actor may see."""
    require_manager(actor)
    kind = offered(data.kind.strip())
    period = period_for(kind, data.period)
    if kind.code == "bulletin" and not any(n.strip() for n in data.cases):
        raise ValidationFailed(_("典型案例通报须至少选择一件已办结的投诉"), field="cases")
    if kind.code != "bulletin" and Report.objects.filter(kind=kind.code, period=period.code).exists():
        raise Conflict(_("%(title)s已经生成，请在原报告上修改") % {"title": f"{period.label}{_(kind.name)}"})
    snap = snapshot(actor, kind, period, data.cases if kind.code == "bulletin" else [])
    report = _draft(actor, kind, period, snap)
    log(actor, "report_generate", report.title, {"report": report.pk, "kind": kind.code, "period": period.code})
    return report


def _locked(report_id: int, version: int) -> Report:
    report = Report.objects.select_for_update().filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("报告不存在"), report=report_id)
    if report.version != version:
        raise StaleVersion(version=report.version)
    if report.status != ReportStatus.DRAFT:
        raise InvalidTransition(_("报告已印发，不能再修改"), status=report.status)
    return report


@transaction.atomic(durable=True)
def edit(*, actor: User, report_id: int, data: EditIn) -> Report:
    """Rewrite sections of a draft (the ones named; the others keep their text)."""
    require_manager(actor)
    report = _locked(report_id, data.version)
    by_code = {s["code"]: s for s in report.sections}
    changed = []
    for item in data.sections:
        if item.code not in by_code:
            raise ValidationFailed(_("报告没有这一部分：%(c)s") % {"c": item.code}, field="sections")
        text = "\n".join(line.rstrip() for line in item.text.strip().splitlines())
        if by_code[item.code]["text"] != text:
            by_code[item.code]["text"] = text
            changed.append(item.code)
    if changed:
        report.sections = list(by_code.values())
        report.version += 1
        report.save(update_fields=["sections", "version", "updated_at"])
        log(actor, "report_edit", report.title, {"report": report.pk, "sections": changed})
    return report


def _serial(year: int) -> int:
    ReportSequence.objects.get_or_create(year=year)
    row = ReportSequence.objects.select_for_update().get(year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


@transaction.atomic(durable=True)
def issue(*, actor: User, report_id: int, version: int) -> Report:
    """Issue a draft: it takes its 文号 and date and never changes again."""
    require_manager(actor)
    report = _locked(report_id, version)
    now = timezone.now()
    year = now.astimezone(periods.BEIJING).year
    report.reference = _("投诉报〔%(y)d〕%(n)d号") % {"y": year, "n": _serial(year)}
    report.status, report.issued_at, report.issued_by = ReportStatus.ISSUED, now, actor
    report.version += 1
    report.save(update_fields=["reference", "status", "issued_at", "issued_by", "version", "updated_at"])
    log(actor, "report_issue", report.title, {"report": report.pk, "reference": report.reference})
    return report


def last_ended(unit: str, today: dt.date) -> periods.Period:
    """The period of ``unit`` that ended most recently before ``today`` (Beijing)."""
    if unit == "week":
        year, week, _day = (today - dt.timedelta(days=today.isoweekday())).isocalendar()
        return periods.parse(f"{year}-W{week:02d}")
    current = periods.containing(today, unit)
    return periods.containing(current.first - dt.timedelta(days=1), unit)


def _system() -> User:
    """Who the scheduled drafts are counted for: the whole organisation (an unsaved user with
    every complaint in scope; the draft has no author)."""
    return User(username="system", role=Role.CENTER, scope=Scope.ALL)


def draft_due(today: dt.date | None = None) -> dict[str, int]:
    """The scan's rider: a draft of each periodic kind the preset schedules, for the period that
    has just ended, made once (the kind and period are unique; a report already there, drafted or
    issued, is left alone). Returns how many it drafted."""
    from tousu.complaints.preset import active

    today = today or timezone.now().astimezone(periods.BEIJING).date()
    made = 0
    for code in active().reports.scheduled:
        kind = KINDS[code]
        period = last_ended(kind.unit, today)
        if Report.objects.filter(kind=code, period=period.code).exists():
            continue
        try:
            with transaction.atomic():
                report = _draft(None, kind, period, snapshot(_system(), kind, period))
                log(None, "report_generate", report.title, {"report": report.pk, "kind": code, "scheduled": True})
        except IntegrityError:  # another process drafted it at the same moment
            continue
        made += 1
    return {"drafted": made}
