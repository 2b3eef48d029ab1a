"""The statistics (``stats.stats`` and ``GET /api/v1/stats``) checked against figures worked out by
hand. The fixture is ``november`` (see its table) with, on top of it:

    key   unit            received (Beijing)    status / closed        other
    q3a   amr             2026-09-30 23:59      closed 10-09 10:00     the quarter's last minute: Q3's;
                                                                       upgraded channel; 满意
    q4a   amr             2026-10-01 00:00      closed 10-12 10:00     Q4's first minute; 满意
    ly1   amr             2025-11-10 10:00      closed 11-12 10:00     last year's November; 满意
    ly2   amr             2025-11-20 10:00      withdrawn              last year's November

and these changes to November's complaints: categories (c1 G0201, c2 G0202, c3 G02, c4 G0101,
c6 G0301, c8 G01, c9 G0102, c11 none), grades (c1 重要, c2 c3 一般, the rest none), c8 came by
letter, c6 handled by 消费者权益保护股 (under amr), c3 upgraded from 省市场监管局 and c9 flagged
升级投诉, c11 due 12-31, a liable determination on c2 (reasons: attitude, procedure), respondents
(c4 also names 王五; c8 names 李四 with product 电梯; c9 某物业公司 with product 物业服务).

A further test walks a complaint through the real services (closed, reopened, closed again) with
the clock set by time_machine.

Working days (the 2026 calendar: National Day 10-01…10-07 off, Saturday 10-10 a make-up working
day), the receipt day not counted:
    c1 11-02 (Mon) → 11-18 (Wed): 11-03…06, 09…13, 16…18            = 12
    c2 11-05 (Thu) → 11-17 (Tue): 11-06, 09…13, 16, 17                =  8
    c4 11-30 (Mon) → 12-03 (Thu): 12-01…03                            =  3
    c8 11-03 (Tue) → 11-10 (Tue): 11-04…06, 09, 10                    =  5
    q3a 09-30 → 10-09: 10-08, 10-09 (10-01…07 a holiday)              =  2
    q4a 10-01 → 10-12: 10-08, 10-09, 10-10 (调休), 10-12              =  4
    ly1 2025-11-10 (Mon) → 11-12 (Wed)                                =  2
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tousu.accountability.models import Determination
from tousu.accounts.models import Unit
from tousu.complaints.models import Category, Complaint, Grade, Respondent
from tousu.core.errors import NotFound, ValidationFailed
from tousu.indicators import stats as service
from tousu.indicators.periods import BEIJING
from tousu.indicators.stats import BUCKETS, DIMENSIONS, StatsQuery, stats
from tousu.indicators.tests.november import NOW, build

pytestmark = pytest.mark.django_db

D = Decimal


def at(y: int, m: int, d: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hour, minute, tzinfo=BEIJING)


def end(y: int, m: int, d: int) -> dt.datetime:
    return at(y, m, d, 23, 59) + dt.timedelta(seconds=59)


@pytest.fixture
def cases(register, walk, org) -> dict[str, Complaint]:
    made = build(register, walk, org)
    amr = Unit.objects.get(code="amr")
    handler = org["handler"]
    extra: dict[str, dict[str, Any]] = {
        "q3a": {
            "received_at": at(2026, 9, 30, 23, 59),
            "closed_at": at(2026, 10, 9),
            "handling_due": end(2026, 10, 20),
            "channel": "upgraded",
            "upgraded_source": "省政务服务热线",
            "satisfaction": "satisfied",
        },
        "q4a": {
            "received_at": at(2026, 10, 1, 0, 0),
            "closed_at": at(2026, 10, 12),
            "handling_due": end(2026, 10, 30),
            "satisfaction": "satisfied",
        },
        "ly1": {
            "received_at": at(2025, 11, 10),
            "closed_at": at(2025, 11, 12),
            "handling_due": end(2025, 11, 20),
            "satisfaction": "satisfied",
        },
        "ly2": {"received_at": at(2025, 11, 20), "status": "withdrawn", "closed_at": at(2025, 11, 21)},
    }
    for key, fields in extra.items():
        c = register()
        fields = {"status": "closed", "handling_unit": amr, "handler": handler, "due_at": None, **fields}
        Complaint.objects.filter(pk=c.pk).update(**fields)
        made[key] = Complaint.objects.get(pk=c.pk)

    cat = {c.code: c for c in Category.objects.in_force()}
    grade = {g.code: g for g in Grade.objects.in_force()}
    Complaint.objects.filter(pk__in=[c.pk for c in made.values()]).update(category=None, grade=None)
    for key, code in {
        "c1": "G0201",
        "c2": "G0202",
        "c3": "G02",
        "c4": "G0101",
        "c6": "G0301",
        "c8": "G01",
        "c9": "G0102",
    }.items():
        Complaint.objects.filter(pk=made[key].pk).update(category=cat[code])
    Complaint.objects.filter(pk=made["c1"].pk).update(grade=grade["important"])
    Complaint.objects.filter(pk__in=[made["c2"].pk, made["c3"].pk]).update(grade=grade["normal"])
    Complaint.objects.filter(pk=made["c8"].pk).update(channel="letter")
    Complaint.objects.filter(pk=made["c6"].pk).update(handling_unit=Unit.objects.get(code="amr-consumer"))
    Complaint.objects.filter(pk=made["c3"].pk).update(upgraded_from="省市场监管局")
    Complaint.objects.filter(pk=made["c9"].pk).update(flags={"upgraded": {"by": "clerk", "rule": None}})
    Complaint.objects.filter(pk=made["c11"].pk).update(due_at=end(2026, 12, 31))
    Determination.objects.create(
        complaint=made["c2"],
        liable=True,
        reasons=["attitude", "procedure"],
        decided_on=dt.date(2026, 11, 20),
        recorded_by=org["panel"],
    )
    Respondent.objects.create(complaint=made["c4"], staff_name="王五")
    Respondent.objects.filter(complaint=made["c8"]).update(
        unit=None, unit_name="", staff_name="李四", product_name="电梯"
    )
    Respondent.objects.filter(complaint=made["c9"]).update(unit=None, unit_name="某物业公司", product_name="物业服务")
    return made


def run(actor: Any, **query: Any) -> service.StatsOut:
    return stats(actor, StatsQuery(**query), NOW)


def by_key(out: service.StatsOut) -> dict[str, Any]:
    return {g["key"]: g["figures"] for g in out["groups"]}


def test_every_figure_of_november_worked_out_by_hand(cases, center):
    f = run(center, period="2026-11", compare=False)["total"]
    # Counted: c1 c2 c3 c4 c6 c8 c9 c11 (c5 is December's, c7 invalid, c10 an inquiry).
    assert f["received"] == 8
    # Expected to close: all but the withdrawn c6; closed c1 c2 c4 c8 → 4 / 7.
    assert (f["handled"], f["closed"], f["closure_rate"]) == (7, 4, D("0.5714"))
    # With a due: c1 c2 c4 c8; on time c1 c4 c8, late c2 → 3 / 4.
    assert (f["closed_with_due"], f["closed_on_time"], f["closed_late"], f["on_time_rate"]) == (4, 3, 1, D("0.75"))
    # Open past its due at NOW: c3 (11-25); plus c2 closed late.
    assert (f["open_overdue"], f["overdue"]) == (1, 2)
    # Rated: c1 满意, c2 基本满意, c4 不满意 (c8 联系不上 is no rating) → 2 / 3.
    assert (f["rated"], f["satisfied"], f["satisfaction_rate"]) == (3, 2, D("0.6667"))
    # Repeats: c2 → 1 / 8.
    assert (f["repeats"], f["repeat_rate"]) == (1, D("0.125"))
    # Returns: c1 1 + c3 2 + c11 1 (walked through the return service).
    assert f["returns"] == 4
    # Liable: c4 and c2 (c8's liable determination was superseded) → 2 / 8.
    assert (f["liable"], f["liable_rate"]) == (2, D("0.25"))
    # Average working days to close: (12 + 8 + 3 + 5) / 4 = 7.00.
    assert (f["closed_working_days"], f["avg_working_days"]) == (28, D("7.00"))
    # Upgraded: c3 (upgraded_from) and c9 (the 升级投诉 flag) → 2 / 8.
    assert (f["upgraded"], f["upgraded_rate"]) == (2, D("0.25"))


def test_the_average_working_days_follow_the_holiday_calendar(cases, center):
    # October: q4a alone, received on the first day of National Day, closed on Monday 10-12:
    # 10-08, 10-09, the make-up Saturday 10-10 and 10-12 → 4.
    october = run(center, period="2026-10", compare=False)["total"]
    assert (october["received"], october["closed_working_days"], october["avg_working_days"]) == (1, 4, D("4.00"))
    # By unit: amr (12 + 8 + 3) / 3 = 7.67; housing 5 / 1; nobody closed in amr-consumer (c6 withdrawn).
    units = by_key(run(center, period="2026-11", by="unit", compare=False))
    assert units["amr"]["avg_working_days"] == D("7.67") and units["housing"]["avg_working_days"] == D("5.00")
    assert units["amr-consumer"]["avg_working_days"] is None


def test_the_last_minute_of_a_quarter_in_beijing_is_that_quarter(cases, center):
    # q3a at 23:59 on 30 September Beijing (15:59 UTC) is Q3's; q4a at 00:00 on 1 October Beijing
    # (16:00 UTC on 30 September) is Q4's.
    assert cases["q4a"].received_at.astimezone(dt.UTC).date() == dt.date(2026, 9, 30)
    q3 = run(center, period="2026-Q3", compare=False)["total"]
    # q3a alone: upgraded (its channel), closed 10-09 after National Day in 2 working days.
    assert (q3["received"], q3["upgraded"], q3["upgraded_rate"], q3["avg_working_days"]) == (1, 1, D(1), D("2.00"))
    q4 = run(center, period="2026-Q4", by="month", compare=False)
    # Q4: q4a, November's 8 and c5 (00:00 on 1 December) → 10, by month 1 + 8 + 1.
    assert q4["total"]["received"] == 10
    assert [(g["key"], g["figures"]["received"]) for g in q4["groups"]] == [
        ("2026-10", 1),
        ("2026-11", 8),
        ("2026-12", 1),
    ]
    year = run(center, period="2026", by="quarter", compare=False)
    assert [(g["key"], g["figures"]["received"]) for g in year["groups"]] == [
        ("2026-Q1", 0),
        ("2026-Q2", 0),
        ("2026-Q3", 1),
        ("2026-Q4", 10),
    ]


def test_a_reopened_complaint_is_open_until_it_closes_again(cases, center):
    c1 = cases["c1"]
    Complaint.objects.filter(pk=c1.pk).update(
        status="accepted", closed_at=None, handling_due=end(2026, 12, 20), due_at=end(2026, 12, 20)
    )
    f = run(center, period="2026-11", compare=False)["total"]
    # Not closed, no on-time verdict, not in the average: closed c2 c4 c8 → 3 / 7; on time c4 c8
    # of 3; days (8 + 3 + 5) / 3 = 5.33. Open, due 12-20: not overdue at NOW.
    assert (f["received"], f["closed"], f["closure_rate"]) == (8, 3, D("0.4286"))
    assert (f["closed_with_due"], f["closed_on_time"], f["on_time_rate"]) == (3, 2, D("0.6667"))
    assert (f["closed_working_days"], f["avg_working_days"], f["open_overdue"]) == (16, D("5.33"), 1)
    # Closed again on Friday 12-04: 11-03…11-30 is 20 working days, 12-01…12-04 four more → 24,
    # judged against its new handling due (12-20): on time.
    Complaint.objects.filter(pk=c1.pk).update(status="closed", closed_at=at(2026, 12, 4), due_at=None)
    f = run(center, period="2026-11", compare=False)["total"]
    assert (f["closed"], f["closed_on_time"], f["on_time_rate"]) == (4, 3, D("0.75"))
    assert (f["closed_working_days"], f["avg_working_days"]) == (24 + 8 + 3 + 5, D("10.00"))


def test_month_on_month_and_year_on_year(cases, center):
    out = run(center, period="2026-11")
    assert out["previous_period"]["code"] == "2026-10" and out["last_year_period"]["code"] == "2025-11"
    prev, year, change = out["previous"], out["last_year"], out["change"]
    # October: q4a (1 received, closed, on time, 满意, 4 days); November 2025: ly1 closed in 2
    # days and 满意, ly2 withdrawn.
    assert (prev["received"], prev["closure_rate"], prev["avg_working_days"]) == (1, D(1), D("4.00"))
    assert (year["received"], year["handled"], year["closure_rate"], year["avg_working_days"]) == (2, 1, D(1), D(2))
    # Counts: (8 − 1) / 1 = 7 and (8 − 2) / 2 = 3; averages likewise: (7 − 4) / 4, (7 − 2) / 2.
    assert change["received"] == {"mom": D("7.0000"), "yoy": D("3.0000")}
    assert change["avg_working_days"] == {"mom": D("0.7500"), "yoy": D("2.5000")}
    # Rates: the difference, 0.5714 − 1 both ways; satisfaction 0.6667 − 1.
    assert change["closure_rate"] == {"mom": D("-0.4286"), "yoy": D("-0.4286")}
    assert change["satisfaction_rate"] == {"mom": D("-0.3333"), "yoy": D("-0.3333")}
    # A base of 0 (no upgraded complaint in October nor a year before) gives no change.
    assert change["upgraded"] == {"mom": None, "yoy": None}
    assert set(change) >= {"received", "closed", "overdue", "returns", "liable", "upgraded_rate", "on_time_rate"}
    assert run(center, period="2026-11", compare=False)["previous"] is None


def test_the_periods_compared(cases, center):
    pairs = {
        "2026-Q1": ("2025-Q4", "2025-Q1"),
        "2026-H1": ("2025-H2", "2025-H1"),
        "2026": ("2025", "2025"),
        "2026-01": ("2025-12", "2025-01"),
        "2026-W01": ("2025-W52", "2025-W01"),
        "2026-11-03..2026-11-20": ("2026-10-16..2026-11-02", "2025-11-03..2025-11-20"),
        "2024-02-20..2024-02-29": ("2024-02-10..2024-02-19", "2023-02-20..2023-02-28"),
    }
    for code, (prev, year) in pairs.items():
        out = run(center, period=code, by="", compare=True)
        assert (out["previous_period"]["code"], out["last_year_period"]["code"]) == (prev, year), code
    # 2000 is the calendar's first year: nothing before it to compare with.
    out = run(center, period="2000-01")
    assert out["previous_period"] is None and out["previous"] is None and out["change"]["received"]["mom"] is None


def test_time_buckets_include_the_empty_ones(cases, center):
    weeks = run(center, period="2026-11", by="week", compare=False)["groups"]
    # ISO weeks, Monday first, clipped to November: 11-01 (a Sunday, week 44) … 11-30 (week 49).
    assert [(g["key"], g["first"], g["last"], g["figures"]["received"]) for g in weeks] == [
        ("2026-W44", dt.date(2026, 11, 1), dt.date(2026, 11, 1), 0),
        ("2026-W45", dt.date(2026, 11, 2), dt.date(2026, 11, 8), 3),  # c1 c8 c2
        ("2026-W46", dt.date(2026, 11, 9), dt.date(2026, 11, 15), 2),  # c3 c6
        ("2026-W47", dt.date(2026, 11, 16), dt.date(2026, 11, 22), 2),  # c9 c11
        ("2026-W48", dt.date(2026, 11, 23), dt.date(2026, 11, 29), 0),
        ("2026-W49", dt.date(2026, 11, 30), dt.date(2026, 11, 30), 1),  # c4 at 23:59
    ]
    assert weeks[0]["figures"]["closure_rate"] is None and weeks[4]["figures"]["closed"] == 0
    days = run(center, period="2026-11", by="day", compare=False)["groups"]
    assert len(days) == 30 and days[-1]["key"] == "2026-11-30" and days[-1]["figures"]["received"] == 1
    assert sum(g["figures"]["received"] for g in days) == 8
    halves = run(center, period="2026", by="half", compare=False)["groups"]
    assert [(g["key"], g["label"], g["figures"]["received"]) for g in halves] == [
        ("2026-H1", "2026年上半年", 0),
        ("2026-H2", "2026年下半年", 11),
    ]
    assert [g["figures"]["received"] for g in run(center, period="2026-11", by="year")["groups"]] == [8]


def test_categories_count_under_their_top_level_with_a_pareto(cases, center):
    out = run(center, period="2026-11", by="category", compare=False)
    cats = {g["key"]: (g["label"], g["figures"]["received"]) for g in out["groups"]}
    # G02: c1 (G0201), c2 (G0202), c3 (G02); G01: c4 (G0101), c8 (G01), c9 (G0102); G03: c6; none: c11.
    assert cats == {
        "G01": ("工作作风", 3),
        "G02": ("办事效率", 3),
        "G03": ("依法办事", 1),
        "G04": ("其他", 0),
        "": ("未分类", 1),
    }
    # The Pareto leaves out the uncategorised and the empty; 3/7, 3/7, 1/7; ties by name.
    assert [(p["key"], p["count"], p["share"], p["cumulative"]) for p in out["pareto"]] == [
        ("G02", 3, D("0.4286"), D("0.4286")),
        ("G01", 3, D("0.4286"), D("0.8571")),
        ("G03", 1, D("0.1429"), D("1.0000")),
    ]
    # Narrowed to G02: its sub-categories and itself.
    inner = run(center, period="2026-11", by="category", category="G02", compare=False)
    assert {g["key"]: g["figures"]["received"] for g in inner["groups"]} == {"G0201": 1, "G0202": 1, "G02": 1}
    assert inner["total"]["received"] == 3 and inner["pareto"][-1]["cumulative"] == D(1)


def test_causes_are_the_standing_determinations_first_reason(cases, center):
    out = run(center, period="2026-11", by="cause", compare=False)
    # c4 attitude, c2 attitude (then procedure), c8 misunderstanding (its superseded one ignored).
    assert {g["key"]: (g["label"], g["figures"]["received"]) for g in out["groups"]} == {
        "attitude": ("服务态度恶劣", 2),
        "misunderstanding": ("客户挑剔、误会或不了解有关规定", 1),
        "": ("未认定", 5),
    }
    assert [(p["key"], p["share"], p["cumulative"]) for p in out["pareto"]] == [
        ("attitude", D("0.6667"), D("0.6667")),
        ("misunderstanding", D("0.3333"), D("1.0000")),
    ]


def test_the_other_dimensions(cases, center):
    grades = run(center, period="2026-11", by="grade", compare=False)["groups"]
    assert [(g["key"], g["label"], g["figures"]["received"]) for g in grades] == [
        ("normal", "一般", 2),
        ("important", "重要", 1),
        ("major", "重大", 0),
        ("", "未分级", 5),
    ]
    channels = by_key(run(center, period="2026-11", by="channel", compare=False))
    assert channels["hotline"]["received"] == 7 and channels["letter"]["received"] == 1
    assert channels["upgraded"]["received"] == 0
    units = run(center, period="2026-11", by="unit", compare=False)["groups"]
    assert [(g["key"], g["label"], g["figures"]["received"]) for g in units] == [
        ("amr", "县市场监督管理局", 4),
        ("housing", "县住房和城乡建设局", 2),
        ("amr-consumer", "消费者权益保护股", 1),
        ("", "未分派", 1),
    ]
    # Regions: the unit below the top of the tree: 消费者权益保护股 counts under amr.
    regions = run(center, period="2026-11", by="region", compare=False)["groups"]
    assert [(g["key"], g["figures"]["received"]) for g in regions] == [("amr", 5), ("housing", 2), ("", 1)]
    assert by_key(run(center, period="2026-11", by="region", compare=False))["amr"]["avg_working_days"] == D("7.67")
    # Respondents: c4 names two (the bureau and 王五), so the groups add up to 9.
    names = by_key(run(center, period="2026-11", by="respondent", compare=False))
    assert {k: f["received"] for k, f in names.items()} == {
        "县市场监督管理局": 6,
        "王五": 1,
        "李四": 1,
        "某物业公司": 1,
    }
    # Products: c8 电梯, c9 物业服务; the other six name none (c4 counts once for its two rows).
    products = by_key(run(center, period="2026-11", by="product", compare=False))
    assert {k: f["received"] for k, f in products.items()} == {"电梯": 1, "物业服务": 1, "": 6}
    assert products["电梯"]["avg_working_days"] == D("5.00")


def test_every_grouping_adds_up_to_the_total(cases, center):
    alone = run(center, period="2026-Q4", compare=False)["total"]
    for by in (*BUCKETS, *DIMENSIONS):
        out = run(center, period="2026-Q4", by=by, compare=False)
        assert out["total"] == alone, by
        total = sum(g["figures"]["received"] for g in out["groups"])
        expected = 11 if by == "respondent" else 10  # c4 names two respondents
        assert total == expected, by
        assert all(g["label"] for g in out["groups"]), by


def test_a_unit_user_sees_his_units_figures_only(cases, org, center):
    # 周明 (housing, data scope: his unit) sees c8 and c9 only, whatever he asks for.
    housing = run(org["housing"], period="2026-11", by="unit", compare=False)
    assert housing["total"]["received"] == 2 and [g["key"] for g in housing["groups"]] == ["housing"]
    assert run(org["housing"], period="2026-11", unit="amr", compare=False)["total"]["received"] == 0
    # 张伟 heads amr with its subtree: c1 c2 c3 c4 and c6 (消费者权益保护股).
    assert run(org["head"], period="2026-11", compare=False)["total"]["received"] == 5
    # The unit filter narrows further: amr with or without its subtree.
    assert run(center, period="2026-11", unit="amr", compare=False)["total"]["received"] == 5
    assert run(center, period="2026-11", unit="amr", subtree=False, compare=False)["total"]["received"] == 4
    assert run(center, period="2026-11", unit="county", compare=False)["total"]["received"] == 7
    assert run(center, period="2026-11", grade="normal", channel="hotline", compare=False)["total"]["received"] == 2


def test_bad_input_is_a_clear_error(cases, center):
    for query, field in (
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-11-20..2026-11-03"}, "from"),
        ({"by": "colour"}, "by"),
        ({"category": "nope"}, "category"),
        ({"grade": "nope"}, "grade"),
        ({"channel": "pigeon"}, "channel"),
    ):
        with pytest.raises(ValidationFailed) as err:
            run(center, **query)
        assert err.value.data.get("field") == field and err.value.message, query
    with pytest.raises(ValidationFailed):
        StatsQuery(compare="maybe")
    with pytest.raises(ValidationFailed):
        StatsQuery(colour="red")
    with pytest.raises(NotFound):
        run(center, unit="nowhere")


def test_a_year_by_unit_is_a_fixed_number_of_queries(cases, center):
    run(center, period="2026", by="unit")  # the calendar is read once per process and cached
    with CaptureQueriesContext(connection) as first:
        run(center, period="2026", by="unit")
    for _ in range(20):
        Complaint.objects.filter(pk=cases["q4a"].pk).first()
        c = cases["q4a"]
        c.pk, c.number = None, f"X{_}"
        c.save()
    with CaptureQueriesContext(connection) as second:
        out = run(center, period="2026", by="unit")
    # The GROUP BY (the total is the sum of its groups), the year before (a year's 环比 and 同比
    # alike) and the units' names: three, however many complaints.
    assert len(first) == len(second) == 3
    assert out["total"]["received"] == 31


# -- the API ----------------------------------------------------------------------------------------
def test_the_api_answers_the_statistics(cases, api_client, center):
    r = api_client.get(center, "/stats", period="2026-11", by="category")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {
        "period",
        "by",
        "total",
        "previous",
        "previous_period",
        "last_year",
        "last_year_period",
        "change",
        "groups",
        "pareto",
    }
    assert body["period"] == {"code": "2026-11", "label": "2026年11月", "first": "2026-11-01", "last": "2026-11-30"}
    assert body["total"]["received"] == 8 and body["total"]["closure_rate"] == "0.5714"
    assert body["total"]["avg_working_days"] == "7.00" and body["last_year"]["received"] == 2
    assert body["change"]["received"] == {"mom": "7.0000", "yoy": "3.0000"}
    assert body["pareto"][-1]["cumulative"] == "1.0000"
    assert {g["key"] for g in body["groups"]} == {"G01", "G02", "G03", "G04", ""}


def test_the_api_scopes_to_the_reader(cases, api_client, org):
    r = api_client.get(org["housing"], "/stats", period="2026-11", compare="false")
    assert r.status_code == 200 and r.json()["total"]["received"] == 2 and r.json()["previous"] is None


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({"period": "2026-13"}, 422, "月份须在1至12之间"),
        ({"period": "Q4"}, 422, "统计期间格式有误"),
        ({"by": "colour"}, 422, "未知的分组方式「colour」"),
        ({"compare": "maybe"}, 422, "统计参数有误：compare"),
        ({"unit": "nowhere"}, 404, "单位 nowhere 不存在"),
        ({"period": "x" * 40}, 422, "统计参数有误：period"),
        ({"category": "nope"}, 422, "未知的类别"),
    ],
)
def test_the_api_refuses_bad_input_clearly(cases, api_client, center, params, status, words):
    r = api_client.get(center, "/stats", **params)
    assert r.status_code == status, r.content
    assert words in r.json()["message"]


def test_the_api_needs_a_token(client, cases):
    assert client.get("/api/v1/stats").status_code == 401


def test_the_api_documents_its_answer(client):
    from tousu.api.api import api

    doc = api.get_openapi_schema()
    route = doc["paths"]["/api/v1/stats"]["get"]
    assert {"200", "401", "404", "422"} <= {str(k) for k in route["responses"]}
    names = {p["name"] for p in route["parameters"]}
    assert names == {"period", "by", "unit", "subtree", "category", "grade", "channel", "compare"}
    schema = route["responses"][200]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/StatsOut")
    figures = doc["components"]["schemas"]["StatsFigures"]["properties"]
    assert {"avg_working_days", "upgraded", "upgraded_rate", "received", "closure_rate"} <= set(figures)


def test_a_complaint_reopened_through_the_services_leaves_the_closed_figures_until_it_closes_again(register, walk, org):
    center = org["center"]
    closing = ("submit_result", "approve", "reply", "follow_up")

    def november() -> service.StatsFigures:
        return stats(center, StatsQuery(period="2026-11", compare=False), NOW)["total"]

    # Received on Monday 11-16 and closed on the follow-up that Wednesday (2 working days).
    with time_machine.travel(at(2026, 11, 16), tick=False):
        c = walk(register(), "accept", "dispatch", "sign")
    with time_machine.travel(at(2026, 11, 18), tick=False):
        c = walk(c, *closing)
    assert c.status == "closed"
    f = november()
    assert (f["received"], f["closed"], f["closed_working_days"], f["avg_working_days"]) == (1, 1, 2, D("2.00"))
    assert (f["closed_on_time"], f["satisfied"]) == (1, 1)
    # Reopened on Friday 11-20 (重新办理): received still, not closed, no verdict, no days.
    with time_machine.travel(at(2026, 11, 20), tick=False):
        c = walk(c, "reopen")
    f = november()
    assert (f["received"], f["closed"], f["closed_with_due"], f["closure_rate"]) == (1, 0, 0, D(0))
    assert (f["on_time_rate"], f["avg_working_days"]) == (None, None)
    # Handled again and closed on Wednesday 11-25: 11-17 … 11-25 is seven working days.
    with time_machine.travel(at(2026, 11, 25), tick=False):
        c = walk(c, "dispatch", "sign", *closing)
    f = november()
    assert (f["closed"], f["closure_rate"], f["closed_working_days"], f["avg_working_days"]) == (1, D(1), 7, D("7.00"))
    assert f["closed_on_time"] == 1
