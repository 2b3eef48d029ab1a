"""The dashboard (/dashboard/) through the Django client: who sees it, a bad filter is a clear
message and never a 500, and the page's data carries the figures of the hand-computed November
(tousu/indicators/tests/november.py) with the links to the ledger."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from tousu.accounts.models import Unit
from tousu.complaints.inputs import ListIn
from tousu.complaints.selectors import filter_complaints
from tousu.indicators.tests.november import NOW, build


def amr_name() -> str:
    return Unit.objects.get(code="amr").name


def housing_name() -> str:
    return Unit.objects.get(code="housing").name


@pytest.fixture
def cases(register, walk, org):
    return build(register, walk, org)


def data_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="dash-data" type="application/json">') + len(
        '<script id="dash-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def query_of(href: str) -> dict[str, list[str]]:
    parts = urlsplit(href)
    assert parts.path == "/ledger/", href
    return parse_qs(parts.query)


def test_it_asks_for_a_login(client, org):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["clerk", "center", "head", "handler", "followup", "auditor"])
def test_every_staff_role_that_reads_the_ledger_sees_it(client, org, role):
    client.force_login(org[role])
    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "数据看板" in html and 'id="dash-data"' in html
    assert "/static/vendor/echarts/echarts.min.js" in html and "/static/tousu/dashboard.js" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it
    assert 'href="/dashboard/"' in html  # the navigation links to it


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2026-13", "月份须在1至12之间"),
        ("period=abc", "统计期间格式有误"),
        ("period=1899", "年份须在"),
        ("period=" + "9" * 200, "统计期间格式有误"),
        ("unit=nowhere", "单位「nowhere」不存在"),
        ("unit=%27%3B--", "不存在"),
    ],
)
def test_a_bad_filter_is_a_clear_message_not_a_500(client, center, query, message):
    client.force_login(center)
    response = client.get("/dashboard/?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert 'id="dash-data"' not in html
    assert 'name="period"' in html  # the form is there to correct it


def test_the_data_holds_the_hand_computed_november(client, center, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(center)
        response = client.get("/dashboard/?period=2026-11")
    assert response.status_code == 200
    data = data_of(response)
    assert data["period"] == {"code": "2026-11", "label": "2026年11月"}
    headline = {h["key"]: h for h in data["headline"]}
    # c1 c2 c3 c4 c6 c8 c9 c11: c5 is December's, c7 invalid, c10 an inquiry (november.py).
    assert headline["received"]["value"] == 8
    assert query_of(headline["received"]["href"]) == {"period": ["2026-11"]}

    trend = data["trend"]
    assert trend["bucket"] == "day" and len(trend["rows"]) == 30
    assert [r["label"] for r in trend["rows"][:2]] == ["11-01", "11-02"]
    by_day = {r["label"]: r["current"] for r in trend["rows"]}
    assert sum(by_day.values()) == 8
    assert by_day["11-30"] == 1  # c4, at 23:59 Beijing time on the last day
    assert by_day["11-20"] == 2  # c9 and c11
    assert query_of(trend["rows"][29]["href"]) == {"received_from": ["2026-11-30"], "received_to": ["2026-11-30"]}

    units = {r["label"]: r for r in data["units"]["rows"]}
    assert units[amr_name()]["received"] == 5 and units[housing_name()]["received"] == 2
    assert data["units"]["rows"][0]["label"] == amr_name()  # the ranking: most received first
    assert query_of(units[amr_name()]["href"]) == {"period": ["2026-11"], "unit": ["amr"]}

    # Open cases now: the same as the complaint list's own overdue filter.
    with time_machine.travel(NOW, tick=False):
        listed = filter_complaints(center, ListIn(open=True, overdue=True)).count()
    assert data["open"]["overdue"] == listed >= 1  # c3, due 25 November, still in progress
    assert query_of(data["open"]["overdue_href"]) == {"open": ["true"], "overdue": ["true"]}
    amr = next(r for r in data["open"]["rows"] if r["label"] == amr_name())
    assert query_of(amr["overdue_href"]) == {"open": ["true"], "overdue": ["true"], "unit": ["amr"]}


def test_a_unit_narrows_every_figure_and_every_link(client, center, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(center)
        response = client.get("/dashboard/?period=2026-11&unit=amr")
    assert response.status_code == 200
    data = data_of(response)
    headline = {h["key"]: h for h in data["headline"]}
    assert headline["received"]["value"] == 5
    assert query_of(headline["received"]["href"]) == {"period": ["2026-11"], "unit": ["amr"], "subtree": ["1"]}
    assert sum(r["current"] for r in data["trend"]["rows"]) == 5
    assert {r["label"] for r in data["open"]["rows"]} == {amr_name()}


def test_a_quarter_is_drawn_by_month_with_last_years_line(client, center, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(center)
        response = client.get("/dashboard/?period=2026-Q4")
    data = data_of(response)
    trend = data["trend"]
    assert trend["bucket"] == "month" and [r["label"] for r in trend["rows"]] == [
        "2026年10月",
        "2026年11月",
        "2026年12月",
    ]
    assert [r["current"] for r in trend["rows"]][1] == 8
    assert trend["has_last"] and [r["last"] for r in trend["rows"]] == [0, 0, 0]
    assert query_of(trend["rows"][1]["href"]) == {"period": ["2026-11"]}
    assert 'value="2026-Q4" selected' in response.content.decode()


def test_a_handler_sees_only_the_figures_of_their_scope(client, org, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(org["housing"])  # 住建局's handler: amr's complaints are outside its scope
        data = data_of(client.get("/dashboard/?period=2026-11"))
    headline = {h["key"]: h for h in data["headline"]}
    assert headline["received"]["value"] == 2  # c8 and c9
    assert {r["label"] for r in data["units"]["rows"]} == {housing_name()}


def test_the_headline_gives_the_change_on_the_month_before(client, center, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(center)
        data = data_of(client.get("/dashboard/?period=2026-12"))
    headline = {h["key"]: h for h in data["headline"]}
    received = headline["received"]
    # December: c5 alone, against November's 8: (1 − 8) / 8; fewer complaints is good news.
    assert (received["value"], received["mom_text"], received["mom_tone"]) == (1, "-87.5%", "better")
    assert (received["yoy_text"], received["yoy_tone"]) == ("—", "")  # no December 2025 to compare with
    # December closed its one case (100 %); November 4 of the 7 it had to handle (c6 was withdrawn).
    closure = headline["closure_rate"]
    assert (closure["shown"], closure["mom_text"], closure["mom_tone"]) == ("100.00%", "+42.86个百分点", "better")
    assert data["previous"] == "2026年11月" and data["last_year"] == "2025年12月"


def test_it_switches_to_english_with_the_rest_of_the_ui(client, center, cases):
    with time_machine.travel(NOW, tick=False):
        client.force_login(center)
        client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})
        response = client.get("/dashboard/?period=2026-11")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="en"' in html and "Sign out" in html
    assert data_of(response)["headline"][0]["value"] == 8
