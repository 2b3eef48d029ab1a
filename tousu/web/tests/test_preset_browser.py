"""An administrator changes a deadline rule in the browser: the preview and the next registration
use the new value, and the change is in the administration log (SPEC §12)."""

import datetime as dt

import chinese_calendar
import pytest
from django.utils import timezone

from tousu.accounts.models import AdminLog
from tousu.complaints.models import Complaint
from tousu.complaints.preset import store
from tousu.presets import REGISTRY
from tousu.web.tests.test_browser import SHOTS, Desk, page  # noqa: F401  (the page fixture)

pytestmark = pytest.mark.browser


def test_an_admin_edits_a_deadline_rule_and_the_preview_and_registration_follow(
    live_server,
    transactional_db,
    org,
    page,  # noqa: F811
):
    store(REGISTRY["government"], by="test")
    desk = Desk(page, live_server.url)
    desk.login("admin")
    page.click("text=预置方案")
    page.fill("input[name=received]", "2026-09-30T10:00")
    page.click("#preview button[type=submit]")
    assert page.inner_text("[data-preview] tr[data-kind=acceptance]").count("2026-10-13") == 1

    page.fill("input[aria-label='时限 gov.acceptance']", "3")
    page.click("[data-save-rule='gov.acceptance']")
    assert "已保存期限规则 gov.acceptance" in page.inner_text(".messages")
    page.goto(live_server.url + "/preset/?received=2026-09-30T10%3A00")
    assert "2026-10-10" in page.inner_text("[data-preview] tr[data-kind=acceptance]")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "preset-admin.png"), full_page=True)

    desk.logout()
    desk.login("clerk")
    page.click("text=投诉登记")
    page.fill("#f-phone", "13812345678")
    page.fill("#f-name", "张三")
    page.fill("#f-summary", "窗口推诿")
    page.click("form.intake-form button[type=submit].primary")
    page.wait_for_url(lambda url: "/c/" in url)
    c = Complaint.objects.get()
    day, counted = timezone.localdate(c.received_at), 0
    while counted < 3:  # 3 working days, not 5, whatever day the test runs
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    assert timezone.localdate(c.acceptance_due) == day

    entry = AdminLog.objects.get(action="preset.revise")
    assert entry.actor_name == "admin"
    assert entry.payload["changes"] == [{"path": "deadlines[gov.acceptance].amount", "before": 5, "after": 3}]
