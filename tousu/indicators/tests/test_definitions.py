"""Each indicator checked against figures worked out by hand on ``november`` (see its table)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tousu.complaints.models import Complaint
from tousu.core.errors import ValidationFailed
from tousu.indicators import definitions, periods
from tousu.indicators.tests.november import NOW, bj, build

pytestmark = pytest.mark.django_db

NOVEMBER = periods.parse("2026-11")


@pytest.fixture
def cases(register, walk, org):
    return build(register, walk, org)


def amr_november():
    return Complaint.objects.filter(NOVEMBER.received(), handling_unit__code="amr")


def test_every_figure_of_the_amr_bureau_in_november(cases):
    f = definitions.figures(amr_november(), NOW)
    # Counted: c1 c2 c3 c4 c6 (c5 is December's, c7 invalid, c10 an inquiry).
    assert f["received"] == 5
    # Expected to close: all but the withdrawn c6.
    assert f["handled"] == 4
    # Closed: c1 c2 c4 → 3 / 4.
    assert f["closed"] == 3 and f["closure_rate"] == Decimal("0.7500")
    # On time: c1 (11-18 ≤ 11-20) and c4 (12-03 ≤ 12-14) of the three closed with a due → 2 / 3.
    assert (f["closed_with_due"], f["closed_on_time"], f["closed_late"]) == (3, 2, 1)
    assert f["on_time_rate"] == Decimal("0.6667")
    # Overdue: c3 open past 11-25, plus c2 closed late → 2.
    assert f["open_overdue"] == 1 and f["overdue"] == 2
    # Rated: c1 满意, c2 基本满意, c4 不满意 → satisfied 2 / 3.
    assert (f["rated"], f["satisfied"], f["satisfaction_rate"]) == (3, 2, Decimal("0.6667"))
    # Repeats: c2 → 1 / 5.
    assert f["repeats"] == 1 and f["repeat_rate"] == Decimal("0.2000")
    # Returns: 1 (c1) + 2 (c3) → 3.
    assert f["returns"] == 3
    # Liable: c4 → 1 / 5.
    assert f["liable"] == 1 and f["liable_rate"] == Decimal("0.2000")


def test_a_superseded_liable_determination_does_not_count_and_no_ratings_is_no_rate(cases):
    f = definitions.figures(Complaint.objects.filter(NOVEMBER.received(), handling_unit__code="housing"), NOW)
    # c8 closed on time, rated 联系不上 (no rating); c9 open, due 12-31: not overdue.
    assert (f["received"], f["closed"], f["closure_rate"], f["on_time_rate"]) == (2, 1, Decimal("0.5"), Decimal(1))
    assert f["overdue"] == 0 and f["rated"] == 0 and f["satisfaction_rate"] is None
    # c8's liable determination was superseded by a not-liable one.
    assert f["liable"] == 0 and f["liable_rate"] == Decimal(0)


def test_figures_by_unit_agree_with_the_totals(cases):
    by = definitions.figures_by(Complaint.objects.filter(NOVEMBER.received()), "handling_unit", NOW)
    amr = cases["c1"].handling_unit_id
    assert by[amr] == definitions.figures(amr_november(), NOW)
    # c1…c4, c6 (amr), c8, c9 (housing) and c11 (returned: no handling unit now).
    assert sum(f["received"] for f in by.values()) == 8 and by[None]["returns"] == 1


def test_a_return_is_charged_to_whoever_made_it(cases, org):
    november = Complaint.objects.filter(NOVEMBER.received())
    # c11 was returned once by 陈静 of amr; it no longer sits with amr, but the return is amr's.
    assert definitions.returns_made(november, "unit") == {"amr": 1}
    assert definitions.returns_made(november, "person") == {org["handler"].pk: 1}
    # The returns_count of c1 and c3 were set on the rows, with no return in the history.
    assert definitions.figures(amr_november(), NOW)["returns"] == 3
    assert definitions.returns_made(Complaint.objects.filter(periods.parse("2026-10").received()), "unit") == {}


def test_the_last_minute_of_the_month_in_beijing_is_that_month(cases):
    # c4 was received at 23:59 on 30 November, Beijing — 15:59 UTC — and counts in November;
    # c5, at 00:00 on 1 December Beijing (still 30 November in UTC), counts in December.
    assert cases["c4"].received_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 30)
    assert cases["c5"].received_at.astimezone(dt.UTC).date() == dt.date(2026, 11, 30)
    november = set(Complaint.objects.filter(NOVEMBER.received()).values_list("pk", flat=True))
    december = set(Complaint.objects.filter(periods.parse("2026-12").received()).values_list("pk", flat=True))
    assert cases["c4"].pk in november and cases["c4"].pk not in december
    assert cases["c5"].pk in december and cases["c5"].pk not in november
    # The quarter's last minute likewise (2026-Q4 ends 12-31 24:00 Beijing).
    q4 = periods.parse("2026-Q4")
    assert q4.end == bj(12, 31, 23, 59) + dt.timedelta(minutes=1)


def test_a_reopened_complaint_is_open_again_until_it_closes_again(cases):
    c1 = cases["c1"]
    Complaint.objects.filter(pk=c1.pk).update(status="accepted", closed_at=None, due_at=bj(12, 20))
    f = definitions.figures(amr_november(), NOW)
    # c1 no longer closed: closed 2 (c2 c4) of 4; on time 1 (c4) of 2; its rating stays.
    assert (f["closed"], f["closed_on_time"], f["on_time_rate"]) == (2, 1, Decimal("0.5"))
    assert f["received"] == 5 and f["satisfied"] == 2


def test_a_merged_complaint_is_counted_once_in_the_one_it_joined(cases):
    Complaint.objects.filter(pk=cases["c2"].pk).update(status="merged", merged_into=cases["c3"])
    assert definitions.figures(amr_november(), NOW)["received"] == 4


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-11", dt.date(2026, 11, 1), dt.date(2026, 11, 30)),
        ("2026-2", dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2026q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        ("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
        ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    ],
)
def test_periods_are_read(text, first, last):
    p = periods.parse(text)
    assert (p.first, p.last) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "1899", "11-2026", "2026-11-01", "", "2026-H3", "９９９９"])
def test_a_bad_period_is_a_clear_error(text):
    with pytest.raises(ValidationFailed) as err:
        periods.parse(text)
    assert err.value.data["field"] == "period" and err.value.message


def test_a_span_of_days_and_its_errors():
    p = periods.resolve(first="2026-11-03", last="2026-11-20")
    assert (p.first, p.last, p.months()) == (dt.date(2026, 11, 3), dt.date(2026, 11, 20), [dt.date(2026, 11, 1)])
    for first, last in (
        ("2026-11-20", "2026-11-03"),
        ("2026-11-03", ""),
        ("x", "2026-11-20"),
        ("2000-01-01", "2026-01-01"),
    ):
        with pytest.raises(ValidationFailed):
            periods.resolve(first=first, last=last)
    assert periods.resolve(today=dt.date(2026, 12, 1)).code == "2026-12"
