"""The report kinds (SPEC §11), declared once: the period each covers, the statistics tables it
holds, the charts drawn from them, and its narrative sections in order. A preset offers some of
them (``Preset.reports``); nothing here branches on a preset's name.

What the regulator-style reports hold follows what the seeds and rules ask for: the bank's
half-yearly report to the regulator (seed 000-21; 《银行业保险业消费投诉处理管理办法》 asks the
institution to analyse complaints by business category and cause, by region and branch, with the
handling and on-time figures, typical cases and the measures taken), and the county efficiency
centre's quarterly statistics (seed 004-150: received, by unit, by category, closure and
satisfaction, and the units ranked)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from tousu.presets.reports import NAMES

# The columns a grouped table shows, in order: a figure of ``stats`` or "share" (of the total received).
GROUP_COLUMNS = ("received", "share", "closed", "closure_rate", "on_time_rate", "satisfaction_rate")
TREND_COLUMNS = ("received", "closed", "closure_rate", "on_time_rate")
RANKING_COLUMNS = ("received", "closed", "closure_rate", "on_time_rate", "satisfaction_rate", "overdue")


@dataclass(frozen=True)
class Table:
    """A table of figures per group of ``by`` (a dimension or a time bucket of ``stats``)."""

    by: str
    title: str
    columns: tuple[str, ...] = GROUP_COLUMNS
    limit: int = 0  # the first rows only (the rest summed as 其他); 0: every row
    ranking: bool = False  # sorted by on-time rate, then satisfaction rate, best first
    chart: str = ""  # "trend", "pareto" or "bars": drawn as a picture beside the table


@dataclass(frozen=True)
class Section:
    code: str  # which generator pre-fills it (``narrative.GENERATORS``)
    heading: str


@dataclass(frozen=True)
class Kind:
    code: str
    name: str  # the title's tail: 2026年11月 + 投诉情况月报
    unit: str  # the period it covers: week, month, quarter, half, year; "" for any period
    tables: tuple[Table, ...] = ()
    sections: tuple[Section, ...] = ()
    cases: int = 0  # typical cases chosen by themselves when none are named (the bulletin names them)
    redacted_cases: bool = True
    audience: str = ""  # the addressee line (主送), if any
    comparisons: bool = True  # 环比 and 同比 in the overview table
    extra: dict[str, str] = field(default_factory=dict)


def _trend(bucket: str) -> Table:
    return Table(bucket, gettext_noop("受理量走势"), TREND_COLUMNS, chart="trend")


_CATEGORY = Table("category", gettext_noop("按投诉类别统计"), limit=15, chart="pareto")
_UNIT = Table("unit", gettext_noop("按承办单位统计"), limit=20, chart="bars")
_CHANNEL = Table("channel", gettext_noop("按受理渠道统计"))
_GRADE = Table("grade", gettext_noop("按投诉等级统计"))

_STATISTICS_SECTIONS = (
    Section("overview", gettext_noop("一、总体情况")),
    Section("focus", gettext_noop("二、投诉反映的主要问题")),
    Section("handling", gettext_noop("三、办理情况")),
    Section("measures", gettext_noop("四、存在的问题和下一步工作")),
)


def _statistics(code: str, name: str, unit: str, bucket: str) -> Kind:
    return Kind(code, name, unit, (_trend(bucket), _CATEGORY, _UNIT, _CHANNEL, _GRADE), _STATISTICS_SECTIONS)


KINDS: dict[str, Kind] = {
    "weekly": _statistics("weekly", NAMES["weekly"], "week", "day"),
    "monthly": _statistics("monthly", NAMES["monthly"], "month", "day"),
    "quarterly": _statistics("quarterly", NAMES["quarterly"], "quarter", "month"),
    "half_yearly": _statistics("half_yearly", NAMES["half_yearly"], "half", "month"),
    "yearly": _statistics("yearly", NAMES["yearly"], "year", "month"),
    "regulator_half_yearly": Kind(
        "regulator_half_yearly",
        NAMES["regulator_half_yearly"],
        "half",
        (
            _trend("month"),
            Table("category", gettext_noop("按业务类别统计"), limit=20, chart="pareto"),
            Table("cause", gettext_noop("按投诉原因统计"), limit=20),
            Table("region", gettext_noop("按地区统计"), limit=20),
            Table("unit", gettext_noop("按分支机构统计"), limit=30, chart="bars"),
            _CHANNEL,
        ),
        (
            Section("overview", gettext_noop("一、消费投诉总体情况")),
            Section("focus", gettext_noop("二、投诉业务类别及原因分析")),
            Section("regions", gettext_noop("三、投诉地区及机构分布")),
            Section("handling", gettext_noop("四、投诉处理情况")),
            Section("cases", gettext_noop("五、典型案例")),
            Section("measures", gettext_noop("六、存在的问题及改进措施")),
        ),
        cases=3,
        audience=gettext_noop("国家金融监督管理总局派出机构"),
    ),
    "government_quarterly": Kind(
        "government_quarterly",
        NAMES["government_quarterly"],
        "quarter",
        (
            _trend("month"),
            Table("unit", gettext_noop("各单位办理情况及排名"), RANKING_COLUMNS, ranking=True, chart="bars"),
            Table("category", gettext_noop("按投诉类别统计"), limit=15, chart="pareto"),
            _CHANNEL,
        ),
        (
            Section("overview", gettext_noop("一、受理情况")),
            Section("units", gettext_noop("二、各单位办理情况")),
            Section("focus", gettext_noop("三、投诉反映的主要问题")),
            Section("handling", gettext_noop("四、办结和满意情况")),
            Section("measures", gettext_noop("五、下一步工作")),
        ),
    ),
    "bulletin": Kind(
        "bulletin",
        NAMES["bulletin"],
        "",
        (),
        (Section("preface", gettext_noop("通报说明")), Section("cases", gettext_noop("典型案例"))),
        comparisons=False,
    ),
}

# The period units and the tail of their codes' shape (``periods.parse``).
UNIT_LABELS = {
    "week": gettext_noop("周"),
    "month": gettext_noop("月"),
    "quarter": gettext_noop("季度"),
    "half": gettext_noop("半年"),
    "year": gettext_noop("年"),
}
