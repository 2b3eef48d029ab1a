"""One complaint driven from intake to archive in headless Chromium, as six people would do it."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tousu.presets import demo_data

DEMO_PASSWORD = demo_data("government").password

# Playwright's sync API runs an event loop in this thread; the ORM calls of the fixtures are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]
SHOTS = Path("/tmp/tousu-shots")

pytestmark = pytest.mark.browser


@contextmanager
def browser_tab(**options: Any) -> Iterator[Any]:
    """A tab of Debian's Chromium (Chinese locale, 1366×900 unless ``options`` say otherwise)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(**{"locale": "zh-CN", "viewport": {"width": 1366, "height": 900}, **options})
        tab = context.new_page()
        tab.set_default_timeout(15000)
        yield tab
        browser.close()


@pytest.fixture
def page():
    with browser_tab() as tab:
        yield tab


def fill(block: Any, name: str, value: str) -> None:
    """One field of an action form: a select, a radio group, a checkbox ("on") or a text field."""
    field = block.locator(f'[name="{name}"]').first
    tag = field.evaluate("e => e.tagName + ':' + (e.type || '')")
    if tag.startswith("SELECT"):
        field.select_option(value)
    elif tag.endswith(":radio"):
        block.locator(f'[name="{name}"][value="{value}"]').check()
    elif tag.endswith(":checkbox"):
        field.set_checked(value == "on")
    else:
        field.fill(value)


class Desk:
    """The browser, with the few gestures the test repeats."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base = page, base

    def login(self, username: str) -> None:
        self.page.goto(self.base + "/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD)
        self.page.click("button[type=submit].primary")
        self.page.wait_for_url(self.base + "/")

    def logout(self) -> None:
        self.page.click("form.logout button")
        self.page.wait_for_url(re.compile(r".*/login/$"))

    def open(self, number: str) -> None:
        self.page.goto(f"{self.base}/c/{number}/")

    def act(self, action: str, **fields: str) -> None:
        """Open the action's <details>, fill its fields (select, radio or text) and submit."""
        block = self.page.locator(f'details[data-action="{action}"]')
        block.locator("summary").click()
        for name, value in fields.items():
            fill(block, name, value)
        with self.page.expect_navigation():
            block.locator("button[type=submit]").click()
        messages = self.page.locator(".msg").all_inner_texts()
        assert self.page.locator(".form-error, .field .error").count() == 0, messages

    def status(self) -> str:
        badge = self.page.locator(".case-head .badge")
        return f"{badge.get_attribute('data-status')}:{badge.inner_text().strip()}"


def test_a_complaint_goes_from_intake_to_archive_in_the_browser(live_server, transactional_db, org, register, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    earlier = register()  # the same caller phoned before
    desk = Desk(page, live_server.url)

    desk.login("clerk")
    with page.expect_navigation():
        page.click("nav.sidenav >> text=投诉登记")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement && document.activeElement.id") == "f-phone"  # phone first, focused
    page.keyboard.type("13812345678")
    page.wait_for_selector(f"#callers >> text={earlier.number}")  # the debounced look-up
    page.fill("#f-name", "张三")
    page.fill("#f-summary", "营业执照办理多次跑腿")
    page.fill("#f-content", "到市场监管局窗口办理营业执照,每次只告知缺一项材料,跑了四趟。")
    page.fill("#f-demands", "要求一次性告知并尽快办结")
    page.select_option("#f-respondent_unit", "amr")
    page.screenshot(path=str(SHOTS / "intake.png"), full_page=True)
    with page.expect_navigation():
        page.click("button[name=register]")
    number = re.search(r"/c/([A-Z0-9]+)/$", page.url).group(1)
    assert "查询码" in page.locator(".msg-success").inner_text()
    assert desk.status() == "registered:已登记"
    desk.act("accept", category="G0201", grade="normal")
    assert desk.status() == "accepted:已受理"
    desk.logout()

    desk.login("center")
    desk.open(number)
    desk.act("dispatch", unit="amr", mode="assign", note="请按时办理")
    assert desk.status() == "dispatched:已分办"
    desk.logout()

    desk.login("handler")
    desk.open(number)
    desk.act("sign")
    assert desk.status() == "in_progress:办理中"
    desk.act(
        "submit_result",
        substantiated="yes",
        findings="经调取窗口记录,情况属实。",
        solution="批评教育,完善一次性告知清单。",
        proposed_reply="经核查属实,已责令整改。",
    )
    assert desk.status() == "pending_approval:待审核"
    desk.logout()

    desk.login("center")
    desk.open(number)
    desk.act("approve", note="同意")
    assert desk.status() == "approved:已审核"
    desk.logout()

    desk.login("handler")
    desk.open(number)
    desk.act("reply", method="phone", text="您反映的问题经核查属实,已责令整改,感谢监督。")
    assert desk.status() == "replied:已答复"
    desk.logout()

    desk.login("followup")
    desk.open(number)
    desk.act("follow_up", satisfaction="satisfied", note="投诉人表示满意")
    assert desk.status() == "closed:已办结"
    desk.logout()

    desk.login("center")
    desk.open(number)
    desk.act("archive")
    assert desk.status() == "archived:已归档"
    assert page.locator(".timeline li").count() == 9  # register + 8 actions
    page.screenshot(path=str(SHOTS / "complaint.png"), full_page=True)
