"""In headless Chromium: the SP desk publishes a violation inquiry, the SP's own account answers
it (admitting), the desk decides, and both see the deduction in the credit ledger."""

from __future__ import annotations

import pytest

from tousu.partners.models import Inquiry
from tousu.presets import demo_data
from tousu.web.tests.test_browser import browser_tab

pytestmark = pytest.mark.browser


def login(tab, base: str, username: str, password: str) -> None:
    tab.goto(base + "/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    tab.click("button[type=submit].primary")
    tab.wait_for_url(lambda url: "/login/" not in url)


def test_an_inquiry_from_publication_to_deduction_in_the_browser(live_server, transactional_db, desk, sp_a, account_a):
    base = live_server.url
    with browser_tab() as tab:
        login(tab, base, "center", demo_data("telecom").password)
        tab.click("nav.sidenav >> text=合作方")
        tab.click("#partners >> text=长沙某信息技术有限公司")
        form = tab.locator("#inquiry-form")
        form.locator('[name="violation"]').select_option("subscription")
        form.locator('[name="facts"]').fill("客户未定制即被扣费，系统查有定制记录，客户不认可。")
        form.locator('[name="suspended"]').fill("生活资讯包月")
        form.locator("button[type=submit]").click()
        tab.wait_for_selector("text=已发布违约核查通知。")
        tab.click(f"#inquiries >> text=第{Inquiry.objects.get().pk}号")  # its id: PostgreSQL keeps counting
        assert "待反馈" in tab.inner_text("#status")
        tab.click("form.logout button")

        login(tab, base, "sp_a_user", "pw-sp_a_user")
        tab.click("nav.sidenav >> text=合作方")
        assert "湘江" not in tab.content()
        tab.click(f"#inquiries >> text=第{Inquiry.objects.get().pk}号")  # its id: PostgreSQL keeps counting
        answer = tab.locator("#answer-form")
        answer.locator('[name="answer"]').select_option("admit")
        answer.locator('[name="text"]').fill("认可违约，已整改并退费。")
        answer.locator("button[type=submit]").click()
        tab.wait_for_selector("text=已反馈。")
        assert "已反馈待定性" in tab.inner_text("#status")
        tab.click("form.logout button")

        login(tab, base, "center", demo_data("telecom").password)
        tab.goto(f"{base}/partners/inquiries/{sp_a.inquiries.get().pk}/")
        tab.locator("#outcome-form button[type=submit]").click()
        tab.wait_for_selector("text=已定性。")
        # 违规定制 10 points × 1 (admitted at once, 002-22) = 10.00
        assert "10.00" in tab.inner_text("#points")
        assert "直接认可违约，按正常系数" in tab.inner_text("#trail")
        tab.click("dd a >> text=长沙某信息技术有限公司")
        assert tab.inner_text("#credit") == "90.00"
        assert "002-22" in tab.inner_text("#ledger")
