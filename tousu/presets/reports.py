"""The periodic reports section of a preset (SPEC §11, ``tousu.reports``): which report kinds the
organisation writes, and which of them the periodic job drafts by itself once their period ends."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from tousu.presets.fields import SourceText, Strict, gettext_noop

# Every report kind tousu.reports can write (``tousu.reports.kinds.KINDS``; a test keeps the two equal).
ReportKind = Literal[
    "weekly",
    "monthly",
    "quarterly",
    "half_yearly",
    "yearly",
    "regulator_half_yearly",
    "government_quarterly",
    "bulletin",
]

# Their names, as the preset's documentation shows them (``tousu.reports.kinds`` titles the documents
# with the same words; a test keeps the two equal).
NAMES: dict[str, str] = {
    "weekly": gettext_noop("投诉情况周报"),
    "monthly": gettext_noop("投诉情况月报"),
    "quarterly": gettext_noop("投诉情况季度报告"),
    "half_yearly": gettext_noop("投诉情况半年报告"),
    "yearly": gettext_noop("投诉情况年度报告"),
    "regulator_half_yearly": gettext_noop("消费投诉处理工作报告"),
    "government_quarterly": gettext_noop("行政效能投诉统计报告"),
    "bulletin": gettext_noop("典型案例通报"),
}


class Reports(Strict):
    """The reports offered (``kinds``) and drafted by the scan after their period ends (``scheduled``,
    a subset of ``kinds``; the bulletin needs chosen cases and is never drafted by itself)."""

    kinds: tuple[ReportKind, ...] = ("weekly", "monthly", "quarterly", "half_yearly", "yearly", "bulletin")
    scheduled: tuple[ReportKind, ...] = ("monthly",)
    # The issuing organisation's name on the reports' date line (empty: the root unit's name).
    issuer: str = ""
    source: SourceText = ""

    @model_validator(mode="after")
    def _scheduled_offered(self) -> Reports:
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError("reports: a kind appears twice")
        for kind in self.scheduled:
            if kind not in self.kinds:
                raise ValueError(f"reports: scheduled kind {kind!r} is not among the kinds offered")
            if kind == "bulletin":
                raise ValueError("reports: the bulletin needs chosen cases and cannot be scheduled")
        return self
