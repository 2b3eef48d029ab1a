"""Acceptance (issue 13, part 1): the portal in headless Chromium with JavaScript disabled —
submit → number and code → query → rate → request review → add material; the query page shows no
internal note, no redacted field and no handler name; a wrong code is refused and counted, and
repeated guessing is throttled."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.complaints.actions import perform
from tousu.complaints.audit import verify_audit
from tousu.complaints.models import Complaint, Event
from tousu.portal.models import CodeFailure, Rating
from tousu.portal.tests.conftest import solve
from tousu.web.tests.test_browser import SHOTS, browser_tab

INTERNAL = [
    "内部备注催办甲乙丙",
    "调查发现科员收受好处丁戊己",
    "内部处理意见庚辛壬",
    "拟答复草稿癸子丑",
    "分办意见寅卯辰",
]
REPLY = "经核查，已要求窗口一次性告知所需材料。"

pytestmark = pytest.mark.browser


@pytest.fixture
def page():
    with browser_tab(java_script_enabled=False, viewport={"width": 900, "height": 900}) as tab:
        yield tab


def _staff(org: dict[str, Any], number: str, *steps: tuple[str, str, dict[str, Any]]) -> None:
    for name, actor, fields in steps:
        c = Complaint.objects.get(number=number)
        perform(name, org[actor], number, {"version": c.version, **fields})


def _query(page: Any, base: str, number: str, code: str) -> None:
    page.goto(base + "/portal/query/")
    page.fill("#q-number", number)
    page.fill("#q-code", code)
    with page.expect_navigation():
        page.click("button[type=submit].primary")


def _post(page: Any, section: str, **fields: str) -> None:
    form = page.locator(f"#{section} form")
    for name, value in fields.items():
        field = form.locator(f'[name="{name}"]').first
        if field.get_attribute("type") == "radio":
            form.locator(f'[name="{name}"][value="{value}"]').check()
        elif field.get_attribute("type") == "file":
            field.set_input_files(value)
        else:
            field.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_the_portal_without_javascript(live_server, transactional_db, org, page, settings, tmp_path):
    settings.TOUSU_PORTAL_CODE_TRIES_PER_NUMBER = 3
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    receipt = tmp_path / "收据.pdf"
    receipt.write_bytes(b"%PDF-1.4 receipt")

    # -- submit: first without consent (refused, nothing written), then with it -----------------
    page.goto(base + "/portal/submit/")
    page.fill("#f-summary", "窗口办事拖拉")
    page.fill("#f-content", "到县市场监督管理局窗口办理营业执照，跑了四趟没办成。")
    page.fill("#f-demands", "要求一次性告知所需材料")
    page.fill("#f-respondent_unit", "县市场监督管理局")
    page.fill("#f-respondent_name", "赵科员")
    page.fill("#f-name", "尹晓梅")
    page.fill("#f-phone", "13912345678")
    page.set_input_files("#f-files", str(receipt))
    page.fill("#f-challenge", solve(page.inner_text("#challenge-question")))
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    assert "请阅读隐私说明并勾选同意后再提交" in page.inner_text(".field.has-error")
    assert Complaint.objects.count() == 0
    assert page.input_value("#f-content").startswith("到县市场监督管理局窗口")  # kept
    page.screenshot(path=str(SHOTS / "portal-submit-refused.png"), full_page=True)
    page.check("#f-consent")
    page.set_input_files("#f-files", str(receipt))
    page.fill("#f-challenge", solve(page.inner_text("#challenge-question")))
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    number, code = page.inner_text("#number").strip(), page.inner_text("#code").strip()
    page.screenshot(path=str(SHOTS / "portal-submitted.png"), full_page=True)
    complaint = Complaint.objects.get(number=number)
    assert complaint.channel == "website" and complaint.attachments.count() == 1

    # -- staff handle it, leaving internal notes on the way ----------------------------------------
    _staff(
        org,
        number,
        ("accept", "clerk", {"category": "G0201", "grade": "normal"}),
        ("dispatch", "center", {"unit": "amr", "mode": "assign", "handler": "handler", "note": INTERNAL[4]}),
        ("urge", "center", {"note": INTERNAL[0]}),
        ("sign", "handler", {}),
        (
            "submit_result",
            "handler",
            {
                "substantiated": "yes",
                "findings": INTERNAL[1],
                "solution": INTERNAL[2],
                "proposed_reply": INTERNAL[3],
                "declined": {1: "材料清单随答复一并告知"},  # the demand, answered by the reply
            },
        ),
        ("approve", "center", {"note": "同意"}),
        ("reply", "handler", {"method": "phone", "text": REPLY}),
    )

    # -- query: the reply and the unit, nothing internal -------------------------------------------
    _query(page, base, number, code)
    assert page.get_attribute("#status", "data-status") == "replied"
    assert page.inner_text("#reply") == REPLY
    assert page.inner_text("#unit") == "县市场监督管理局"
    text = page.content()
    complaint = Complaint.objects.get(number=number)
    staff = [str(org[u]) for u in ("clerk", "center", "handler", "head")]
    hidden = [*INTERNAL, *staff, "赵科员", "尹晓梅", "13912345678", complaint.content]
    hidden += [complaint.summary_redacted, complaint.content_redacted]
    for secret in hidden:
        assert secret and secret not in text, secret
    page.screenshot(path=str(SHOTS / "portal-query.png"), full_page=True)

    # -- rate ------------------------------------------------------------------------------------------
    _post(page, "rate", satisfaction="basic", comment="只告知了一半")
    assert "感谢您的评价" in page.inner_text(".msg-success")
    assert page.inner_text("#rating") == "基本满意" and page.locator("#rate").count() == 0
    assert Rating.objects.get().satisfaction == "basic"

    # -- the follow-up closes it; the complainant asks for review within the window -----------------
    _staff(org, number, ("follow_up", "followup", {"satisfaction": "basic"}))
    _query(page, base, number, code)
    assert page.get_attribute("#status", "data-status") == "closed" and page.locator("#rate").count() == 0
    _post(page, "review", reason="只告知了部分材料，要求复核")
    assert "复核申请已提交" in page.inner_text(".msg-success")
    assert page.get_attribute("#status", "data-status") == "under_review"
    page.screenshot(path=str(SHOTS / "portal-review.png"), full_page=True)

    # -- add material ----------------------------------------------------------------------------------
    _post(page, "material", text="补充：第四次去是3月5日下午", file=str(receipt))
    assert "补充材料已收到" in page.inner_text(".msg-success")
    actions = list(Event.objects.filter(number=number).order_by("seq").values_list("action", "actor__username"))
    assert ("rate", "public") in actions and ("request_review", "public") in actions
    assert actions[-1] == ("attach", "public")
    assert Complaint.objects.get(number=number).attachments.count() == 2
    assert verify_audit().ok

    # -- a wrong code is refused and counted; repeated guessing is throttled -----------------------------
    for _ in range(3):
        _query(page, base, number, "WRONG234")
        assert "投诉编号或查询码不正确" in page.inner_text(".form-error")
    assert CodeFailure.objects.filter(number=number, face="web").count() == 3
    _query(page, base, number, code)  # even the right code waits now
    assert "查询码错误次数过多" in page.inner_text(".form-error")
    assert page.locator("#progress").count() == 0
    page.screenshot(path=str(SHOTS / "portal-throttled.png"), full_page=True)
