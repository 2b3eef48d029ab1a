"""In Chromium: the handler's result is refused naming the unanswered demand; the handler declines
it with a reason on the same form; the approver sees the check on the complaint page."""

from __future__ import annotations

import pytest

from tousu.replycheck.models import DemandItem
from tousu.replycheck.tests.test_enforcement import DEMANDS, TWO_OF_THREE
from tousu.web.tests.test_browser import SHOTS, Desk, browser_tab

pytestmark = pytest.mark.browser


@pytest.fixture
def page():
    with browser_tab() as tab:
        yield tab


def test_a_handler_declines_the_unanswered_demand_on_the_form(live_server, transactional_db, org, register, walk, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = walk(register(demands=DEMANDS), "accept", "dispatch", "sign")
    desk = Desk(page, live_server.url)
    desk.login("handler")
    desk.open(c.number)
    block = page.locator('details[data-action="submit_result"]')
    block.locator("summary").click()
    block.locator('[name="substantiated"]').select_option("partly")
    for name in ("findings", "solution", "proposed_reply"):
        block.locator(f'[name="{name}"]').fill(TWO_OF_THREE[name])
    with page.expect_navigation():
        block.locator("button[type=submit]").click()
    error = page.locator(
        'details[data-action="submit_result"] .error, details[data-action="submit_result"] .form-error'
    )
    assert "第3项「说明收费依据」" in error.first.inner_text()
    block = page.locator('details[data-action="submit_result"]')
    assert block.locator('[name="findings"]').input_value() == TWO_OF_THREE["findings"]  # kept
    page.screenshot(path=str(SHOTS / "replycheck-refused.png"), full_page=True)
    block.locator('[name="declined"][value="3"]').check()
    block.locator('[name="declined_reason_3"]').fill("收费依据已在营业厅公示并书面告知")
    with page.expect_navigation():
        block.locator("button[type=submit]").click()
    assert desk.status() == "pending_approval:待审核"
    item = DemandItem.objects.get(complaint=c, position=3)
    assert (item.state, item.reason) == ("declined", "收费依据已在营业厅公示并书面告知")
    desk.logout()

    desk.login("center")
    desk.open(c.number)
    card = page.locator("#demand-items")
    assert "理由：收费依据已在营业厅公示并书面告知" in card.inner_text()
    assert card.locator('li[data-state="answered"]').count() == 2
    page.screenshot(path=str(SHOTS / "replycheck-approver.png"), full_page=True)
