"""Drafting, editing and issuing reports; the scheduled drafts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tousu.accounts.models import AdminLog
from tousu.complaints.models import Complaint
from tousu.core.errors import Conflict, InvalidTransition, NotPermitted, StaleVersion, ValidationFailed
from tousu.indicators.stats import StatsQuery, stats
from tousu.indicators.tests.november import bj
from tousu.reports import services
from tousu.reports.models import Report, ReportStatus
from tousu.reports.selectors import report_of

pytestmark = pytest.mark.django_db


def test_a_draft_holds_the_months_figures_and_a_generated_paragraph(november, center, generate):
    report = generate(center, "monthly", "2026-11")
    assert report.status == ReportStatus.DRAFT and report.title == "2026年11月投诉情况月报"
    # Hand count: c1 c2 c3 c4 c6 (amr), c8 c9 (housing), c11 (returned) — c5 is December's,
    # c7 invalid, c10 an inquiry.
    assert report.snapshot["total"]["received"] == 8
    assert report.snapshot["total"]["received"] == stats(center, StatsQuery(period="2026-11"))["total"]["received"]
    overview = next(s for s in report.sections if s["code"] == "overview")
    assert overview["heading"] == "一、总体情况"
    assert overview["text"].startswith("2026年11月共受理投诉8件")
    log = AdminLog.objects.get(action="report_generate")
    assert log.actor == center and log.payload["period"] == "2026-11"


def test_issuing_freezes_the_figures_and_the_text(november, center, register, generate):
    report = generate(center, "monthly", "2026-11")
    report = services.issue(actor=center, report_id=report.pk, version=report.version)
    assert report.status == ReportStatus.ISSUED and report.reference.startswith("投诉报〔")
    assert report.issued_by == center and report.issued_at is not None
    # A complaint received in November but registered after the issue changes nothing.
    late = register()
    Complaint.objects.filter(pk=late.pk).update(received_at=bj(11, 15))
    assert stats(center, StatsQuery(period="2026-11"))["total"]["received"] == 9
    row = report_of(center, report.pk)
    assert row["snapshot"]["total"]["received"] == 8
    assert "共受理投诉8件" in row["sections"][0]["text"]
    with pytest.raises(InvalidTransition):
        services.edit(
            actor=center,
            report_id=report.pk,
            data=services.EditIn(version=report.version, sections=[services.SectionIn(code="overview", text="改")]),
        )
    with pytest.raises(InvalidTransition):
        services.issue(actor=center, report_id=report.pk, version=report.version)
    assert Report.objects.get(pk=report.pk).sections == report.sections
    assert AdminLog.objects.filter(action="report_issue", payload__reference=report.reference).count() == 1


def test_a_manager_edits_a_draft_and_a_stale_version_is_refused(november, center, generate):
    report = generate(center, "monthly", "2026-11")
    data = services.EditIn(
        version=report.version, sections=[services.SectionIn(code="measures", text="一是加强培训；\n二是严格督办。")]
    )
    edited = services.edit(actor=center, report_id=report.pk, data=data)
    assert edited.version == report.version + 1
    assert next(s for s in edited.sections if s["code"] == "measures")["text"] == "一是加强培训；\n二是严格督办。"
    assert AdminLog.objects.get(action="report_edit").payload["sections"] == ["measures"]
    with pytest.raises(StaleVersion):
        services.edit(actor=center, report_id=report.pk, data=data)
    with pytest.raises(ValidationFailed):
        services.edit(
            actor=center,
            report_id=report.pk,
            data=services.EditIn(version=edited.version, sections=[services.SectionIn(code="nope", text="x")]),
        )


def test_only_managers_draft_and_bad_input_changes_nothing(november, center, handler, generate):
    with pytest.raises(NotPermitted):
        generate(handler, "monthly", "2026-11")
    with pytest.raises(ValidationFailed, match="按月统计"):
        generate(center, "monthly", "2026-Q4")
    with pytest.raises(ValidationFailed, match="统计期间格式有误"):
        generate(center, "monthly", "十一月")
    with pytest.raises(ValidationFailed, match="不使用此类报告"):
        generate(center, "regulator_half_yearly", "2026-H2")  # the government preset does not offer it
    with pytest.raises(ValidationFailed, match="至少选择一件"):
        generate(center, "bulletin", "2026-11")
    with pytest.raises(ValidationFailed, match="尚未办结"):
        generate(center, "bulletin", "2026-11", [november["c3"].number])
    assert not Report.objects.exists()
    generate(center, "monthly", "2026-11")
    with pytest.raises(Conflict):
        generate(center, "monthly", "2026-11")
    assert Report.objects.count() == 1


def test_the_scheduled_drafts_are_made_once(november, center):
    # On 1 December the government preset drafts November's monthly and Q3's quarterly statistics.
    assert services.draft_due(today=dt.date(2026, 12, 1)) == {"drafted": 2}
    assert sorted(Report.objects.values_list("kind", "period")) == [
        ("government_quarterly", "2026-Q3"),
        ("monthly", "2026-11"),
    ]
    monthly = Report.objects.get(kind="monthly")
    assert monthly.author is None and monthly.snapshot["total"]["received"] == 8
    assert services.draft_due(today=dt.date(2026, 12, 1)) == {"drafted": 0}
    assert services.draft_due(today=dt.date(2026, 12, 20)) == {"drafted": 0}
    assert Report.objects.count() == 2


def test_the_scan_drafts_the_reports(november):
    from tousu.complaints import jobs

    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        jobs.draft_reports()
        jobs.draft_reports()
    assert Report.objects.filter(kind="monthly", period="2026-11").count() == 1
    assert Report.objects.filter(kind="government_quarterly", period="2026-Q3").count() == 1


def test_the_last_ended_periods():
    today = dt.date(2026, 12, 1)
    assert services.last_ended("week", today).code == "2026-W48"
    assert services.last_ended("month", today).code == "2026-11"
    assert services.last_ended("quarter", today).code == "2026-Q3"
    assert services.last_ended("half", today).code == "2026-H1"
    assert services.last_ended("year", dt.date(2027, 1, 1)).code == "2026"
    assert services.last_ended("week", dt.date(2026, 11, 29)).code == "2026-W47"  # a Sunday


def test_the_preset_kinds_are_the_kinds_reports_knows():
    from typing import get_args

    from tousu.presets import REGISTRY
    from tousu.presets.reports import NAMES, ReportKind
    from tousu.reports.kinds import KINDS

    assert set(get_args(ReportKind)) == set(KINDS) == set(NAMES)
    assert "regulator_half_yearly" in REGISTRY["bank"].reports.scheduled
    assert "government_quarterly" in REGISTRY["government"].reports.scheduled


def test_a_weekly_report_counts_the_iso_week(november, center, generate):
    # Week 48 of 2026 is Monday 23 to Sunday 29 November: none of the fixture's cases…
    assert generate(center, "weekly", "2026-W48").snapshot["total"]["received"] == 0
    # …week 45 (2 to 8 November) holds c1 (11-02), c2 (11-05), c8 (11-03).
    report = generate(center, "weekly", "2026-W45")
    assert report.title == "2026年第45周投诉情况周报"
    assert report.snapshot["total"]["received"] == 3
    days = report.snapshot["tables"]["day"]["groups"]
    assert len(days) == 7 and sum(g["figures"]["received"] for g in days) == 3
    with pytest.raises(ValidationFailed, match="没有第54周"):
        generate(center, "weekly", "2026-W54")
