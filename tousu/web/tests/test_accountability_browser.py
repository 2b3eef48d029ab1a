"""Issue 15's browser walk, in headless Chromium: the panel determines responsibility on a
substantiated complaint, confirms the sanction the policy engine proposed, the sanctioned handler
appeals from 「我的处理」, and the level above the panel (the county's head, over the centre)
decides — finally. Each screen is photographed to /tmp/shots."""

from __future__ import annotations

from pathlib import Path

import pytest

from tousu.accountability.models import Appeal, Determination, Sanction, SanctionStatus
from tousu.web.tests.test_browser import Desk, browser_tab

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")


def test_determine_confirm_appeal_and_decide_in_the_browser(live_server, transactional_db, org, register, walk):
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = walk(register(summary="窗口人员态度恶劣"), "accept", "dispatch", "sign", "submit_result", "approve", "reply",
             "follow_up")  # fmt: skip
    assert c.status == "closed"

    with browser_tab() as tab:
        desk = Desk(tab, live_server.url)
        console: list[str] = []
        tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)

        # -- the panel determines ----------------------------------------------------------------
        desk.login("panel")
        desk.open(c.number)
        with tab.expect_navigation():
            tab.locator("#determination a.button").click()
        form = tab.locator("#determination-form")
        form.locator('input[name="liable"][value="yes"]').check()
        form.locator('input[name="reasons"][value="attitude"]').check()
        form.locator('input[name="loss"]').fill("900")
        form.locator('select[name="who-0"]').select_option("person:handler")
        form.locator('input[name="percent-0"]').fill("99.99")  # refused: the shares must make 100 %
        with tab.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "须恰为100%" in tab.locator(".messages").inner_text()
        assert not Determination.objects.exists()
        # What was typed is still there.
        assert form.locator('select[name="who-0"]').input_value() == "person:handler"
        form.locator('input[name="percent-0"]').fill("100")
        tab.screenshot(path=str(SHOTS / "15-determination-form.png"), full_page=True)
        with tab.expect_navigation():
            form.locator("button[type=submit]").click()
        card = tab.locator("#determination")
        text = card.inner_text()
        assert "有责" in text and "服务态度恶劣" in text and "900.00" in text
        assert "陈静" in text and "口头效能告诫" in text and "拟处理" in text
        card.locator("details.trail summary").first.click()
        assert "适用规则「有责投诉」" in card.locator("details.trail").first.inner_text()

        # -- the panel confirms the proposal as it stands ------------------------------------------
        with tab.expect_navigation():
            card.locator("details.confirm-sanction button[type=submit]").click()
        assert "已确认处理" in tab.locator(".messages").inner_text()
        assert "已确认，申诉期内" in tab.locator("#determination").inner_text()
        tab.screenshot(path=str(SHOTS / "15-determination-card.png"), full_page=True)
        desk.logout()

        # -- the handler appeals ----------------------------------------------------------------
        desk.login("handler")
        tab.locator("nav.sidenav a", has_text="我的处理").click()
        tab.wait_for_url(live_server.url + "/sanctions/")
        mine = tab.locator("article.sanction")
        assert "口头效能告诫" in mine.inner_text() and c.number in mine.inner_text()
        mine.locator('textarea[name="reason"]').fill("当日窗口排队人数过多，本人已当场致歉，请求从轻处理。")
        with tab.expect_navigation():
            mine.locator("button[type=submit]").click()
        assert "已提出申诉" in tab.locator(".messages").inner_text()
        assert "申诉中" in tab.locator("article.sanction").inner_text()
        tab.screenshot(path=str(SHOTS / "15-my-sanctions.png"), full_page=True)
        desk.logout()

        # -- the centre's own head is not the level above: no form for them -----------------------
        desk.login("center_head")
        desk.open(c.number)
        assert tab.locator("details.decide-appeal").count() == 0
        desk.logout()

        # -- the county's head decides, finally ---------------------------------------------------
        desk.login("leader")
        desk.open(c.number)
        decide = tab.locator("details.decide-appeal")
        decide.locator('input[name="outcome"][value="changed"]').check()
        decide.locator('select[name="kind"]').select_option("criticism")
        decide.locator('textarea[name="decision"]').fill("已当场致歉并纠正，情节较轻，改为批评教育。")
        with tab.expect_navigation():
            decide.locator("button[type=submit]").click()
        assert "该决定为最终决定" in tab.locator(".messages").inner_text()
        text = tab.locator("#determination").inner_text()
        assert "批评教育" in text and "已生效" in text and "本决定为最终决定" in text
        tab.screenshot(path=str(SHOTS / "15-appeal-decided.png"), full_page=True)
        # The refused form answered 422, as it should; nothing else went wrong.
        assert [m for m in console if "422" not in m] == []

    s = Sanction.objects.get(complaint=c)
    assert (s.status, s.kind, s.person) == (SanctionStatus.FINAL, "criticism", org["handler"])
    assert Appeal.objects.get(sanction=s).decided_by == org["leader"]
