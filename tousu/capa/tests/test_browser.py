"""In headless Chromium: the manufacturing demo's quality manager sets a corrective action from the
complaint page, the casting shop's head finds it on the home page, records it done and the next
batch, and a complaint naming that batch turns it ineffective on its own."""

import pytest

from tousu.capa.models import Action, Status
from tousu.presets import demo_data
from tousu.web.tests.test_browser import page  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def login(tab, base: str, username: str) -> None:
    tab.goto(base + "/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", demo_data("manufacturing").password)
    tab.click("button[type=submit].primary")
    tab.wait_for_url(base + "/")


def test_a_corrective_action_is_set_worked_and_broken_in_the_browser(live_server, transactional_db, settings, page):  # noqa: F811
    from tousu.capa.tests.helpers import complaint, manufacturing

    users = manufacturing(settings)
    c = complaint(users, "2026-03-02 09:00")
    base = live_server.url
    login(page, base, "quality")
    page.goto(f"{base}/c/{c.number}/")
    block = page.locator("#capa-add")
    block.locator("summary").click()
    block.locator('[name="kind"]').select_option("corrective")
    block.locator('[name="title"]').fill("改进浇注系统，增设排气槽")
    block.locator('[name="owner"]').select_option("head")
    with page.expect_navigation():
        block.locator("button[type=submit]").click()
    assert "同一产品「变速器壳体」：此后3批产品不再发生" in page.locator("#capa-facts").inner_text()
    action = Action.objects.get()
    page.click("form.logout button")

    login(page, base, "head")
    mine = page.locator("#my-capa")
    assert "改进浇注系统" in mine.inner_text()
    mine.locator(f'a[href="/capa/{action.pk}/"]').first.click()
    page.fill('[name="evidence"]', "浇注系统已改，首件气密性试验合格")
    with page.expect_navigation():
        page.click("text=确认完成")
    assert "验证中" in page.locator("#capa-facts").inner_text()
    page.fill('[name="batches"]', "ZZ260401-01")
    with page.expect_navigation():
        page.click("text=确认记录批次")
    assert "ZZ260401-01" in page.locator("#capa-facts").inner_text()

    from tousu.complaints import services as complaints
    from tousu.complaints.inputs import RegisterIn

    again = complaints.register(
        actor=users["clerk"],
        data=RegisterIn.model_validate(
            {
                "channel": "hotline",
                "summary": "新批次壳体仍有砂眼",
                "complainants": [{"name": "江州汽车", "phone": "13812345678"}],
                "respondents": [{"unit": "casting", "product_name": "变速器壳体", "batch": "ZZ260401-01"}],
            }
        ),
    ).complaint
    page.reload()
    assert Action.objects.get().status == Status.INEFFECTIVE
    assert page.locator("#broken-by").inner_text().strip() == again.number
    assert "立即组织有关部门进行分析" in page.locator("#verdict").inner_text()
