"""An administrator adds a person through the users page in Chromium; the new handler logs in
through the login page and sees only the complaints of his unit; every change is on the
administration log."""

import re

import pytest

from tousu.complaints import inputs, services
from tousu.web.tests.test_browser import DEMO_PASSWORD, SHOTS, page  # noqa: F401  (the Chromium fixture)
from tousu.web.tests.test_csp_browser import WATCH

pytestmark = pytest.mark.browser

FIRST_PASSWORD = "Chuci-denglu-2026"
NEW_PASSWORD = "Xinde-mima-2027"


def log_in(tab, base: str, username: str, password: str) -> None:
    tab.goto(base + "/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    tab.click("button[type=submit].primary")
    tab.wait_for_url(base + "/")


def test_an_administrator_adds_a_handler_who_sees_only_his_units_complaints(
    live_server,
    transactional_db,
    org,
    register,
    walk,
    page,  # noqa: F811  (the imported fixture)
):
    at_amr = walk(register(summary="市场监管局窗口拖拉"), "accept", "dispatch")
    accepted = walk(register(summary="小区物业不作为", respondents=[{"unit": "housing"}]), "accept")
    at_housing = services.dispatch(
        actor=org["center"],
        number=accepted.number,
        data=inputs.Dispatch(version=accepted.version, unit="housing", mode="assign"),
    )
    base = live_server.url
    page.add_init_script(WATCH)

    log_in(page, base, "admin", DEMO_PASSWORD)
    page.click("nav.sidenav >> text=用户管理")
    page.wait_for_url(base + "/users/")
    create = page.locator("form.user-create")
    create.locator("[name=username]").fill("zhaolei")
    create.locator("[name=display_name]").fill("赵磊")
    create.locator("[name=role]").select_option(label="承办人")
    create.locator("[name=unit]").select_option("housing")
    create.locator("[name=scope]").select_option(label="本单位")
    create.locator("[name=password]").fill(FIRST_PASSWORD)
    create.locator("[name=password2]").fill(FIRST_PASSWORD)
    with page.expect_navigation():
        create.locator("button[type=submit]").click()
    assert "已新建用户 赵磊（zhaolei）" in page.locator(".msg-success").inner_text()
    row = page.locator('tr[data-username="zhaolei"]')
    assert [c.strip() for c in row.locator("td").all_inner_texts()[:5]] == [
        "赵磊",
        "zhaolei",
        "承办人",
        "县住房和城乡建设局",
        "本单位",
    ]

    # An edit and a password reset, each through the user's own forms.
    row.locator("summary").click()
    page.screenshot(path=str(SHOTS / "users-edit.png"), full_page=True)
    row.locator("form.user-edit [name=email]").fill("zhaolei@example.gov.cn")
    with page.expect_navigation():
        row.locator("form.user-edit button[type=submit]").click()
    assert "已保存用户 赵磊" in page.locator(".msg-success").inner_text()
    row = page.locator('tr[data-username="zhaolei"]')
    row.locator("summary").click()
    row.locator("form.user-password [name=password]").fill(NEW_PASSWORD)
    row.locator("form.user-password [name=password2]").fill(NEW_PASSWORD)
    with page.expect_navigation():
        row.locator("form.user-password button[type=submit]").click()
    assert "已重置 赵磊 的密码" in page.locator(".msg-success").inner_text()
    page.screenshot(path=str(SHOTS / "users.png"), full_page=True)

    page.click("nav.sidenav >> text=管理日志")
    page.wait_for_url(base + "/admin-log/")
    entries = page.locator("table.admin-log tbody tr").all_inner_texts()
    assert len(entries) == 3
    assert "重置密码" in entries[0] and "赵磊（zhaolei）" in entries[0]
    assert "修改用户" in entries[1] and "电子邮件：— → zhaolei@example.gov.cn" in entries[1]
    assert "新建用户" in entries[2]
    for expected in ("角色：承办人", "单位：县住房和城乡建设局", "数据范围：本单位", "状态：启用"):
        assert expected in entries[2], entries[2]
    assert all("系统管理员" in e for e in entries)  # who, by name
    assert all(re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", e) for e in entries)  # when
    page.screenshot(path=str(SHOTS / "admin-log.png"), full_page=True)
    assert page.evaluate("window.__csp") == []
    page.click("form.logout button")
    page.wait_for_url(re.compile(r".*/login/$"))

    # The first password was replaced; the new one works through the login page.
    page.fill("#id_username", "zhaolei")
    page.fill("#id_password", FIRST_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert page.locator(".form-error").count() == 1
    log_in(page, base, "zhaolei", NEW_PASSWORD)
    assert "赵磊" in page.locator(".topbar .who").inner_text()
    assert page.locator("nav.sidenav >> text=用户管理").count() == 0
    page.click("nav.sidenav >> text=投诉列表")
    page.wait_for_url(re.compile(r".*/list/"))
    listed = page.locator("table.grid tbody").inner_text()
    assert at_housing.number in listed and at_amr.number not in listed
    assert page.goto(f"{base}/c/{at_amr.number}/").status == 404  # outside his scope
    assert page.goto(f"{base}/c/{at_housing.number}/").status == 200
    assert page.goto(f"{base}/users/").status == 403
