"""The staff list's search box in headless Chromium: words in any order find the case; a name finds
it for the centre and not for the bureau complained about (SPEC §7)."""

import re

import pytest

from tousu.search.tests.test_search_index import dispatched, register
from tousu.web.tests.test_browser import Desk, page  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser


def searched(desk: Desk, q: str) -> set[str]:
    desk.page.goto(desk.base + "/list/")
    desk.page.fill('input[name="q"]', q)
    with desk.page.expect_navigation():
        desk.page.press('input[name="q"]', "Enter")
    html = desk.page.content()
    return set(re.findall(r'<a href="/c/([A-Z0-9]+)/">', html))


def test_the_list_search_finds_words_in_any_order_and_keeps_names_to_those_who_may_see_them(
    live_server,
    transactional_db,
    org,
    page,  # noqa: F811
):
    c = dispatched(org, register(org, respondent={"unit": "amr"}))  # the bureau is complained about
    other = register(org, summary="施工扰民", content="道路施工噪音扰民。", name="刘志刚")
    desk = Desk(page, live_server.url)
    desk.login("center")
    assert c.number in searched(desk, "执照 拖沓 王某")
    assert other.number not in searched(desk, "执照 拖沓 王某")
    assert c.number in searched(desk, "晓梅")
    assert searched(desk, "噪音") & {c.number, other.number} == {other.number}
    desk.logout()
    desk.login("handler")
    assert c.number in searched(desk, "拖沓 执照")
    assert c.number not in searched(desk, "晓梅") and c.number not in searched(desk, "尹晓梅")
