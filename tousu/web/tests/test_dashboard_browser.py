"""The dashboard in Debian's Chromium with the network cut but for the app: every chart is drawn
(a canvas of non-zero size in each chart's box) by the vendored ECharts, with no console error, no
CSP violation and no request leaving 127.0.0.1; clicking a bar or a point on the canvas opens the
ledger filtered to it."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from tousu.accounts.models import Unit
from tousu.complaints.models import Category, Complaint
from tousu.detection.models import GroupEvent, GroupMember, HotIssue, HotMember
from tousu.indicators.periods import BEIJING
from tousu.web.tests.test_browser import SHOTS, Desk, page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser

CHARTS = ("trend", "pareto", "units", "open", "gatherings")
LOCAL = ("127.0.0.1", "localhost")
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile));
"""


def open_cases(register, walk) -> None:
    """Five complaints this month over two units and two categories: one overdue, one due within
    the day, one in a group event and one in a hot issue."""
    now = timezone.now()
    other = Category.objects.filter(code="G0101").first()
    made = [walk(register(), "accept", "dispatch") for _i in range(5)]
    Complaint.objects.filter(pk=made[0].pk).update(due_at=now - dt.timedelta(days=2))
    Complaint.objects.filter(pk=made[1].pk).update(due_at=now + dt.timedelta(hours=3))
    Complaint.objects.filter(pk__in=[made[2].pk, made[3].pk]).update(category=other)
    Complaint.objects.filter(pk=made[4].pk).update(handling_unit=Unit.objects.get(code="housing"))
    event = GroupEvent.objects.create(title="幸福里小区噪声扰民", people=12, first_at=now, last_at=now)
    GroupMember.objects.create(event=event, complaint=made[2])
    hot = HotIssue.objects.create(title="营业执照办理难", people=4, first_at=now, last_at=now)
    HotMember.objects.create(issue=hot, complaint=made[3])


def ledger_query(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url)
    assert parts.path == "/ledger/", url
    return parse_qs(parts.query)


def test_the_dashboard_draws_every_chart_offline_and_drills_down_to_the_ledger(
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811  (the imported fixture)
):
    open_cases(register, walk)
    base = live_server.url
    today = timezone.now().astimezone(BEIJING).date()
    month = f"{today.year}-{today.month:02d}"
    outside: list[str] = []
    console: list[str] = []

    def only_the_app(route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_app)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.add_init_script(WATCH)
    Desk(page, base).login("center")

    def load() -> None:
        """Open the dashboard; it draws with no console error, CSP violation or outside request."""
        console.clear()
        response = page.goto(f"{base}/dashboard/?period={month}")
        assert response is not None and response.ok
        page.wait_for_function(
            "document.querySelectorAll('[data-chart]').length === document.querySelectorAll('.chart-ready').length"
        )
        assert outside == [] and console == [] and page.evaluate("window.__csp") == []

    load()
    assert page.evaluate("typeof window.echarts") == "object"
    for name in CHARTS:
        box = page.locator(f'[data-chart="{name}"]')
        assert box.count() == 1, name
        size = box.locator("canvas").first.evaluate("c => [c.width, c.height, c.clientWidth, c.clientHeight]")
        assert min(size) > 0, (name, size)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    def click_on_canvas(chart: str, series: int, index: int) -> str:
        """Click the middle of a bar (or a point) at its pixel on the canvas; the URL it opens."""
        page.locator(f'[data-chart="{chart}"]').scroll_into_view_if_needed()
        x, y = page.evaluate(
            """([chart, series, index]) => {
                 const c = window.tousuCharts[chart], o = c.getOption().series[series];
                 const horizontal = c.getOption().yAxis[0].type === "category";
                 let v = o.data[index]; v = (v && typeof v === "object") ? v.value : v;
                 const at = o.type === "bar" ? v / 2 : v;
                 const box = c.getDom().getBoundingClientRect();
                 const p = c.convertToPixel({seriesIndex: series}, horizontal ? [at, index] : [index, at]);
                 return [box.left + p[0], box.top + p[1]];
               }""",
            [chart, series, index],
        )
        with page.expect_navigation(url=re.compile(r".*/ledger/\?.*")):
            page.mouse.click(x, y)
        return page.url

    # The category Pareto (top-level categories): the first bar is the largest, G02 (three of five).
    query = ledger_query(click_on_canvas("pareto", 0, 0))
    assert query["category"] == ["G02"] and query["period"] == [month]
    load()
    # The unit ranking, horizontal: the top bar (the last category) is the market regulator's, four.
    rows = page.evaluate("window.tousuCharts.units.getOption().yAxis[0].data")
    query = ledger_query(click_on_canvas("units", 0, len(rows) - 1))
    assert query["unit"] == ["amr"] and query["period"] == [month]
    load()
    # The overdue bar of the market regulator, the top bar (it has the one overdue case).
    rows = page.evaluate("window.tousuCharts.open.getOption().yAxis[0].data")
    query = ledger_query(click_on_canvas("open", 0, len(rows) - 1))
    assert query == {"open": ["true"], "overdue": ["true"], "unit": ["amr"]}
    load()
    # Today's point on the intake trend: that day's received range.
    query = ledger_query(click_on_canvas("trend", 0, today.day - 1))
    assert query == {"received_from": [today.isoformat()], "received_to": [today.isoformat()]}
    load()
    # The table beside a chart carries the same links.
    with page.expect_navigation(url=re.compile(r".*/ledger/\?.*")):
        page.locator("#pareto table a").first.click()
    assert ledger_query(page.url)["category"] == ["G02"]
    load()
    # Group events and hot issues open their detection page.
    with page.expect_navigation(url=re.compile(r".*/detection/.*")):
        page.locator("#gatherings table a", has_text="幸福里小区噪声扰民").click()
    assert urlsplit(page.url).fragment == "group"
    assert outside == []
