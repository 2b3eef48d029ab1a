"""Scorecards (考核计分, issue 15 §4) on the hand-computed November of
``tousu.indicators.tests.november``, with sanctions made directly; each figure is worked out in
the comments. Through the service, ``GET /api/v1/scorecards`` (and ``.xlsx``) and the page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from tousu.accountability import scorecards
from tousu.accountability.models import Determination, Sanction
from tousu.accounts.models import Unit
from tousu.complaints.models import Complaint
from tousu.core.errors import NotPermitted, ValidationFailed
from tousu.indicators import periods
from tousu.indicators.tests.november import NOW, bj, build

pytestmark = pytest.mark.django_db

NOVEMBER = periods.parse("2026-11")
Q4 = periods.parse("2026-Q4")


@pytest.fixture
def cases(register, walk, org, use_preset):
    # Seed 000-121: 100 points a clean month to the person, 30 to the head of the unit.
    use_preset(accountability={"sanctions": {"clean_month_points": "100", "clean_month_head_points": "30"}})
    made = build(register, walk, org)
    d4 = Determination.objects.get(complaint=made["c4"])
    amr = Unit.objects.get(code="amr")

    def sanction(n, day, status="final", points="10", fine="0", **subject):
        Sanction.objects.create(
            complaint=made["c4"], determination=d4, position=n, rule="liable", trigger="liable",
            breach_on=day, kind="criticism", points=Decimal(points), fine=Decimal(fine), status=status, **subject,
        )  # fmt: skip

    sanction(1, dt.date(2026, 11, 18), points="10", fine="200", person=org["handler"])  # S1 counts
    sanction(2, dt.date(2026, 11, 25), status="proposed", points="20", person=org["handler"])  # S2 counts (doubled)
    sanction(3, dt.date(2026, 11, 5), status="overturned", person=org["handler"])  # S3 does not count
    sanction(4, dt.date(2026, 10, 30), points="5", unit=amr)  # S4: October's
    sanction(5, dt.date(2026, 11, 30), status="confirmed", points="5", fine="1000", unit=amr)  # S5 counts
    sanction(6, dt.date(2026, 12, 1), points="10", person=org["housing"])  # S6: December's
    return made


def rows(card):
    return {r["code"]: r for r in card["rows"]}


def test_the_units_of_november_worked_out_by_hand(cases, center):
    card = scorecards.scorecard(actor=center, period=NOVEMBER, by="unit", now=NOW)
    amr, housing = rows(card)["amr"], rows(card)["housing"]
    # The indicators as in tousu/indicators/tests: received 5, closed 3 of 4, on time 2 of 3 …
    assert (amr["received"], amr["closed"], amr["closure_rate"], amr["on_time_rate"]) == (
        5, 3, Decimal("0.75"), Decimal("0.6667"),
    )  # fmt: skip
    assert (amr["overdue"], amr["satisfaction_rate"], amr["repeat_rate"], amr["returns"]) == (
        2, Decimal("0.6667"), Decimal("0.2"), 3,
    )  # fmt: skip
    assert (amr["liable"], amr["liable_rate"]) == (1, Decimal("0.2"))
    # c11 was returned by amr (推诿扯皮), though it no longer sits with amr.
    assert amr["returns_made"] == 1 and housing["returns_made"] == 0
    # c4's standing determination names amr (½); c8's naming housing was superseded.
    assert amr["named_liable"] == 1 and housing["named_liable"] == 0
    # Unit sanctions in November: S5 only (S4 is October's) → 1, 5 points, 1,000.00 元.
    assert (amr["sanctions"], amr["points_deducted"], amr["fines"]) == (1, Decimal("5.00"), Decimal("1000.00"))
    # amr handled complaints in November, but S5 (and S1, S2 on its member) fell in it: no clean
    # month. housing handled c8, c9 and nothing fell on it or its people: its head earns 30.
    assert (amr["clean_months"], amr["rewards"], amr["net_points"]) == (0, Decimal(0), Decimal("-5.00"))
    assert (housing["clean_months"], housing["rewards"], housing["net_points"]) == (1, Decimal(30), Decimal(30))
    # Ranked by net points: housing first (30), the idle units (0) in between, amr last (−5).
    assert card["rows"][0]["code"] == "housing" and card["rows"][0]["rank"] == 1
    assert card["rows"][-1]["code"] == "amr" and card["rows"][-1]["rank"] == len(card["rows"])


def test_the_people_of_november_worked_out_by_hand(cases, center):
    card = scorecards.scorecard(actor=center, period=NOVEMBER, by="person", now=NOW)
    got = rows(card)
    handler, housing = got["handler"], got["housing"]
    assert (handler["received"], handler["on_time_rate"], handler["named_liable"]) == (5, Decimal("0.6667"), 1)
    assert handler["returns_made"] == 1  # c11, returned by 陈静
    # S1 + S2 count (S3 overturned): 2 sanctions, 10 + 20 = 30 points, 200.00 元.
    assert (handler["sanctions"], handler["points_deducted"], handler["fines"]) == (2, Decimal(30), Decimal(200))
    # Sanctioned in November: no clean month, net −30.
    assert (handler["clean_months"], handler["net_points"]) == (0, Decimal("-30.00"))
    # 周明 handled c8, c9 in November; S6 is December's: one clean month, 100 points.
    assert (housing["clean_months"], housing["rewards"], housing["net_points"]) == (1, Decimal(100), Decimal(100))
    # The heads: 吴刚 heads housing (clean month: +30); 张伟 heads amr (not clean: 0).
    assert (got["housing_head"]["head_clean_months"], got["housing_head"]["net_points"]) == (1, Decimal(30))
    assert got["head"]["net_points"] == 0 and got["head"]["received"] == 0
    order = [r["code"] for r in card["rows"]]
    assert order[:2] == ["housing", "housing_head"] and order[-1] == "handler"


def test_a_quarter_counts_each_clean_month(cases, center):
    got = rows(scorecards.scorecard(actor=center, period=Q4, by="person", now=NOW))
    # 陈静 worked November (sanctioned) and December (c5, clean) → 100 − 30 = 70.
    assert (got["handler"]["clean_months"], got["handler"]["net_points"]) == (1, Decimal(70))
    # 周明: November clean (+100); S6 in December (−10), when he handled nothing → 90.
    assert (got["housing"]["clean_months"], got["housing"]["net_points"]) == (1, Decimal(90))
    units = rows(scorecards.scorecard(actor=center, period=Q4, by="unit", now=NOW))
    # amr: October idle, November not clean, December clean (+30); S4 + S5 = 10 → 20.
    assert (units["amr"]["clean_months"], units["amr"]["net_points"]) == (1, Decimal(20))


def test_ranking_by_an_indicator_breaks_ties_stably(cases, center):
    card = scorecards.scorecard(actor=center, period=NOVEMBER, by="unit", rank_by="on_time_rate", now=NOW)
    order = [r["code"] for r in card["rows"]]
    # housing 100 % before amr 66.67 %; the units with no case (no rate) after, by net points then code.
    assert order[:2] == ["housing", "amr"]
    idle = order[2:]
    assert idle == sorted(idle) and [r["rank"] for r in card["rows"][2:]] == [3] * len(idle)


def test_a_head_sees_the_subtree_a_handler_only_themself_a_clerk_nothing(cases, org):
    head = org["head"]  # 张伟, head of amr, scope subtree
    units = [r["code"] for r in scorecards.scorecard(actor=head, period=NOVEMBER, by="unit", now=NOW)["rows"]]
    assert sorted(units) == ["amr", "amr-consumer", "amr-food"]
    people = [r["code"] for r in scorecards.scorecard(actor=head, period=NOVEMBER, by="person", now=NOW)["rows"]]
    assert sorted(people) == ["consumer", "handler", "head"]
    mine = scorecards.scorecard(actor=org["handler"], period=NOVEMBER, by="person", now=NOW)["rows"]
    assert [r["code"] for r in mine] == ["handler"] and mine[0]["received"] == 5
    with pytest.raises(NotPermitted):
        scorecards.scorecard(actor=org["handler"], period=NOVEMBER, by="unit", now=NOW)
    with pytest.raises(NotPermitted):
        scorecards.scorecard(actor=org["clerk"], period=NOVEMBER, by="unit", now=NOW)
    assert len(scorecards.scorecard(actor=org["auditor"], period=NOVEMBER, by="unit", now=NOW)["rows"]) == 9


def queries(**kwargs):
    with CaptureQueriesContext(connection) as done:
        scorecards.scorecard(**kwargs)
    return len(done.captured_queries)


def test_the_figures_are_aggregates_not_a_loop(cases, center, org, register):
    before = {by: queries(actor=center, period=NOVEMBER, by=by, now=NOW) for by in ("unit", "person")}
    assert before["person"] <= 11 and before["unit"] <= 8
    for _n in range(3):  # more complaints, handled by more people, change no query count
        c = register()
        Complaint.objects.filter(pk=c.pk).update(
            received_at=bj(11, 9), handling_unit=cases["c4"].handling_unit, handler=org["consumer"]
        )
    after = {by: queries(actor=center, period=NOVEMBER, by=by, now=NOW) for by in ("unit", "person")}
    assert after == before
    assert rows(scorecards.scorecard(actor=center, period=NOVEMBER, by="person", now=NOW))["consumer"]["received"] == 3


@time_machine.travel(NOW, tick=False)
def test_the_api_answers_the_scorecard(cases, api_client, center, org):
    r = api_client.get(center, "/scorecards", period="2026-11", by="unit")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["label"] == "2026年11月" and body["first"] == "2026-11-01"
    amr = next(row for row in body["rows"] if row["code"] == "amr")
    assert amr["received"] == 5 and amr["name"] == "县市场监督管理局" and amr["overdue"] == 2
    assert Decimal(amr["on_time_rate"]) == Decimal("0.6667") and Decimal(amr["net_points"]) == Decimal(-5)
    span = api_client.get(center, "/scorecards", **{"from": "2026-11-01", "to": "2026-11-30", "by": "unit"}).json()
    assert next(row for row in span["rows"] if row["code"] == "amr")["received"] == 5
    for bad in ({"period": "2026-13"}, {"by": "team"}, {"rank_by": "x"}, {"from": "2026-11-30", "to": "2026-11-01"}):
        r = api_client.get(center, "/scorecards", **bad)
        assert r.status_code == 422 and r.json()["message"], bad
    assert api_client.get(center, "/scorecards", unit="nowhere").status_code == 404
    assert api_client.get(org["clerk"], "/scorecards").status_code == 403
    assert api_client.get(org["handler"], "/scorecards", by="unit").status_code == 403
    assert [x["code"] for x in api_client.get(org["handler"], "/scorecards", by="person").json()["rows"]] == ["handler"]
    # Without `by`, a handler gets their own row, as the page shows it; everyone else the units.
    assert [x["code"] for x in api_client.get(org["handler"], "/scorecards").json()["rows"]] == ["handler"]
    assert api_client.get(org["center"], "/scorecards").json()["by"] == "unit"


@time_machine.travel(NOW, tick=False)
def test_the_workbook_reopens_with_headers_rows_frozen_panes_filter_and_formats(cases, api_client, center):
    r = api_client.get(center, "/scorecards.xlsx", period="2026-11", by="unit")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="scorecards-unit-2026-11.xlsx"' in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert "考核计分" in ws["A1"].value and "2026年11月" in ws["A1"].value
    headers = [c.value for c in ws[2]]
    assert headers[:4] == ["名次", "单位", "上级单位", "受理量"] and "按期办结率" in headers and "净得分" in headers
    assert ws.max_row == 2 + 9  # title, header, nine units
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:{ws.cell(2, len(headers)).column_letter}11"
    amr = next(row for row in ws.iter_rows(min_row=3) if row[1].value == "县市场监督管理局")
    cell = dict(zip(headers, amr, strict=True))
    assert cell["受理量"].value == 5 and cell["上级单位"].value == "某县人民政府"
    assert cell["按期办结率"].value == pytest.approx(0.6667) and cell["按期办结率"].number_format == "0.00%"
    assert cell["罚款（元）"].value == 1000 and cell["罚款（元）"].number_format == "#,##0.00"
    assert cell["净得分"].value == -5 and cell["净得分"].data_type == "n"  # a number, not text
    assert cell["满意率"].value == pytest.approx(0.6667)


@time_machine.travel(NOW, tick=False)
def test_the_page_renders_the_ranking_and_exports(cases, client, center, org):
    client.force_login(center)
    r = client.get("/scorecards/", {"period": "2026-11", "by": "unit"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "考核计分" in html and "县市场监督管理局" in html and "66.67%" in html and "1,000.00" in html
    assert 'href="/scorecards/"' in html  # the navigation link
    x = client.get("/scorecards/", {"period": "2026-11", "by": "unit", "format": "xlsx"})
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.get("/scorecards/", {"period": "2026-13"})
    assert bad.status_code == 400 and "月份须在1至12之间" in bad.content.decode()
    client.force_login(org["clerk"])
    r = client.get("/scorecards/")
    assert r.status_code == 403 and 'href="/scorecards/"' not in client.get("/").content.decode()
    client.force_login(org["handler"])
    page = client.get("/scorecards/", {"period": "2026-11", "by": "unit"}).content.decode()
    assert "陈静" in page and "周明" not in page


def test_bad_arguments_are_clear_errors(cases, center):
    with pytest.raises(ValidationFailed):
        scorecards.scorecard(actor=center, period=NOVEMBER, by="team")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        scorecards.scorecard(actor=center, period=NOVEMBER, rank_by="x")  # type: ignore[arg-type]


@pytest.mark.browser
def test_a_head_picks_a_period_ranks_the_people_and_downloads_the_workbook(live_server, transactional_db, cases):
    from tousu.web.tests.test_browser import SHOTS, Desk, browser_tab

    with browser_tab(accept_downloads=True) as page:
        desk = Desk(page, live_server.url)
        desk.login("head")  # 张伟, head of amr: his subtree only
        with page.expect_navigation():
            page.click("nav.sidenav >> text=考核计分")
        page.fill("input[name=period]", "2026-11")
        page.select_option("select[name=by]", "person")
        page.select_option("select[name=rank_by]", "net_points")
        with page.expect_navigation():
            page.click("#scorecard-form button[type=submit]")
        table = page.locator("#scorecards")
        names = table.locator("tbody tr td:nth-child(2)").all_inner_texts()
        assert "陈静" in names and "张伟" in names and "周明" not in names
        assert "2026年11月" in page.locator("main h2").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "scorecards.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#scorecard-export")
        assert info.value.suggested_filename == "scorecards-person-2026-11.xlsx"
        with open(info.value.path(), "rb") as f:
            ws = load_workbook(io.BytesIO(f.read())).active
        assert ws.freeze_panes == "A3" and {row[1].value for row in ws.iter_rows(min_row=3)} == set(names)


def test_without_rewards_in_the_preset_clean_months_still_show_but_earn_nothing(cases, center, use_preset):
    use_preset(accountability={"sanctions": {"clean_month_points": None, "clean_month_head_points": None}})
    got = rows(scorecards.scorecard(actor=center, period=NOVEMBER, by="person", now=NOW))
    assert (got["housing"]["clean_months"], got["housing"]["rewards"], got["housing"]["net_points"]) == (1, 0, 0)
    assert got["handler"]["net_points"] == Decimal("-30.00")
