"""The second half of a complaint in headless Chromium (issue 14's acceptance): the handler records
an investigation with evidence and submits a result whose compensation needs a higher signature
(through the solution lines editor); the approval is refused until the signer signs on the
sign-off card; the approver approves, the reply is given, and the reply letter (投诉答复意见书) is
made and downloaded as PDF, whose text holds the complaint's number and what the complainant is told.

The government preset: a solution above 5000 元 needs the approving unit's head (the centre's head,
马卫东) to sign before the centre approves (``presets.base.DEFAULT_APPROVALS``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tousu.complaints.models import Complaint
from tousu.conftest import declines
from tousu.investigation.models import Entry
from tousu.letters.models import Letter
from tousu.solution.models import Solution
from tousu.web.tests.test_browser import Desk, browser_tab, fill

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
# A 1×1 PNG: the photo of the evidence.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
RESULT = {
    "substantiated": "yes",
    "findings": "经调取窗口记录和监控，窗口人员未一次性告知所需材料，情况属实。",
    "solution": "赔偿误工损失6000元，窗口负责人书面道歉，完善一次性告知清单。",
    "proposed_reply": "经核查属实，赔偿误工损失6000元并书面道歉，已责令窗口整改。",
}
REPLY = "您反映的问题经核查属实，我局赔偿您误工损失6000元，窗口负责人已向您书面道歉，并已完善一次性告知清单。"


def status(tab: Any) -> str:
    badge = tab.locator(".case-head .badge")
    return f"{badge.get_attribute('data-status')}:{badge.inner_text().strip()}"


def test_handler_signer_approver_and_the_reply_letter_in_the_browser(
    live_server, transactional_db, org, register, walk, tmp_path
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = register(
        summary="营业执照办理多次跑腿",
        demands="要求赔偿误工损失并书面道歉",
        complainants=[{"name": "张三", "phone": "13812345678", "id_number": "110101199003071233"}],
    )
    c = walk(c, "accept", "dispatch", "sign")  # the intake is not this test's subject
    photo = tmp_path / "窗口监控截图.png"
    photo.write_bytes(PNG)

    with browser_tab(accept_downloads=True) as tab:
        desk = Desk(tab, live_server.url)
        console: list[str] = []
        tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)

        # -- the handler: the investigation, with evidence ---------------------------------------
        desk.login("handler")
        desk.open(c.number)
        assert status(tab) == "in_progress:办理中"
        section = tab.locator("#investigation")
        section.locator("details.investigation-entry summary").click()
        section.locator('select[name="kind"]').select_option("evidence")
        section.locator('textarea[name="text"]').fill("调取窗口监控：当日未一次性告知所需材料")
        section.locator('input[name="file"]').set_input_files(str(photo))
        with tab.expect_navigation():
            section.locator("details.investigation-entry button[type=submit]").click()
        assert "调取窗口监控" in tab.locator("#investigation").inner_text()
        entry = Entry.objects.get(complaint=c)
        assert entry.kind == "evidence" and [a.original_name for a in entry.attachments.all()] == ["窗口监控截图.png"]

        # -- the handler: the result, with the lines editor ---------------------------------------
        block = tab.locator('details[data-action="submit_result"]')
        block.locator("summary").click()
        for name, value in RESULT.items():
            fill(block, name, value)
        editor = block.locator("[data-lines-editor]")
        assert editor.locator("[data-line]").count() == 5  # the rows the server renders
        rows = editor.locator("[data-line]")
        rows.nth(0).locator('select[name="line_kind"]').select_option("compensation")
        rows.nth(0).locator('input[name="line_amount"]').fill("6000")
        rows.nth(0).locator('input[name="line_note"]').fill("误工损失")
        editor.locator("button[data-add-line]").click()  # the script adds a sixth row
        assert rows.count() == 6
        rows.nth(5).locator('select[name="line_kind"]').select_option("apology")
        rows.nth(5).locator('input[name="line_note"]').fill("窗口负责人书面道歉")
        rows.nth(1).locator('select[name="line_kind"]').select_option("refund")
        rows.nth(1).locator('input[name="line_amount"]').fill("３５０．５")  # full-width, as an IME types
        assert editor.locator("[data-lines-total]").inner_text() == "6350.50"  # the live total
        rows.nth(1).locator('input[name="line_amount"]').fill("")
        rows.nth(1).locator('select[name="line_kind"]').select_option("")  # an empty row again
        assert editor.locator("[data-lines-total]").inner_text() == "6000.00"
        for position, reason in declines(c, RESULT).items():  # demands the texts leave unanswered
            block.locator(f'input[name="declined"][value="{position}"]').check()
            block.locator(f'input[name="declined_reason_{position}"]').fill(reason)
        tab.set_viewport_size({"width": 1366, "height": 2400})  # the whole form in one picture
        block.screenshot(path=str(SHOTS / "result-form-lines-editor.png"))
        tab.set_viewport_size({"width": 1366, "height": 900})
        with tab.expect_navigation():
            block.locator("button[type=submit]").click()
        assert tab.locator(".form-error, .field .error").count() == 0, tab.locator(".error").all_inner_texts()
        assert status(tab) == "pending_approval:待审核"
        card = tab.locator("#solution")
        assert "6000.00" in card.inner_text() and "道歉" in card.inner_text()
        assert card.locator("[data-solution-state]").get_attribute("data-solution-state") == "pending"
        assert tab.locator("#solution-signoff").count() == 0  # the handler does not sign
        desk.logout()

        solution = Solution.objects.get(complaint=c)
        assert [(x.kind, str(x.amount)) for x in solution.lines.all()] == [
            ("compensation", "6000.00"),
            ("apology", "0.00"),
        ]
        assert solution.steps[0]["signer"] == "center_head"

        # -- the approver, before the signature: refused, naming whose signature is due -----------
        desk.login("center")
        desk.open(c.number)
        assert "马卫东" in tab.locator("[data-solution-due]").inner_text()
        # The centre sees the evidence on the investigation record (a unit's redacted view shows
        # only the files released to it).
        assert tab.locator("#investigation a", has_text="窗口监控截图.png").count() == 1
        # The approve form is not offered while the signature is due, and a forged post is refused.
        assert tab.locator('details[data-action="approve"]').count() == 0
        token = tab.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
        forged = tab.request.post(
            f"{live_server.url}/c/{c.number}/approve/",
            form={"csrfmiddlewaretoken": token, "version": str(Complaint.objects.get(pk=c.pk).version), "note": "同意"},
            max_redirects=0,
        )
        assert forged.status >= 400 and "须先经马卫东" in forged.text(), (forged.status, forged.text()[:300])
        assert Complaint.objects.get(pk=c.pk).status == "pending_approval"
        desk.logout()

        # -- the signer signs on the sign-off card ------------------------------------------------
        desk.login("center_head")
        desk.open(c.number)
        signoff = tab.locator("#solution-signoff")
        signoff.locator('textarea[name="note"]').fill("同意赔偿方案")
        with tab.expect_navigation():
            signoff.locator('button[name="approved"][value="true"]').click()
        card = tab.locator("#solution")
        assert card.locator("[data-solution-state]").get_attribute("data-solution-state") == "signed"
        assert "已签批" in card.inner_text() and "同意赔偿方案" in card.inner_text()
        tab.screenshot(path=str(SHOTS / "complaint-after-signing.png"), full_page=True)
        desk.logout()

        # -- the approver approves ----------------------------------------------------------------
        desk.login("center")
        desk.open(c.number)
        desk.act("approve", note="同意")
        assert status(tab) == "approved:已审核"
        desk.logout()

        # -- the handler gives the reply and makes the reply letter --------------------------------
        desk.login("handler")
        desk.open(c.number)
        block = tab.locator('details[data-action="reply"]')
        block.locator("summary").click()
        fill(block, "method", "phone")
        fill(block, "text", REPLY)
        for position, reason in declines(c, {"text": REPLY}).items():
            block.locator(f'input[name="declined"][value="{position}"]').check()
            block.locator(f'input[name="declined_reason_{position}"]').fill(reason)
        with tab.expect_navigation():
            block.locator("button[type=submit]").click()
        assert tab.locator(".form-error, .field .error").count() == 0, tab.locator(".error").all_inner_texts()
        assert status(tab).startswith("replied:")

        letters = tab.locator("#letters")
        letters.locator("summary").click()
        letters.locator('select[name="template"]').select_option("reply")
        with tab.expect_navigation():
            letters.locator("button[type=submit]").click()
        letter = Letter.objects.get(complaint=c)
        assert letter.reference in tab.locator("#letters").inner_text()
        with tab.expect_download() as download:
            tab.locator("#letters a", has_text="PDF").click()
        assert download.value.suggested_filename == f"{letter.reference}{letter.title}.pdf"
        pdf = download.value.path()
        assert Path(pdf).read_bytes().startswith(b"%PDF")
        text = "".join("".join(p.extract_text() for p in PdfReader(pdf).pages).split())
        desk.logout()
        assert not console, console  # no script or style refused by the Content-Security-Policy

    assert c.number in text and "投诉答复意见书" in text
    for words in (RESULT["findings"], RESULT["solution"], REPLY):  # what the complainant is told
        assert "".join(words.split()) in text, words
    assert re.search(r"如对本答复不服", text)
    actions = list(Complaint.objects.get(pk=c.pk).events.values_list("action", flat=True))
    for action in ("submit_result", "sign_solution", "approve", "reply"):
        assert action in actions, (action, actions)
    assert actions.index("sign_solution") < actions.index("approve")


def test_the_lines_editor_works_without_javascript(live_server, transactional_db, org, register, walk):
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = walk(register(demands="要求退款"), "accept", "dispatch", "sign")
    result = {**RESULT, "solution": "退还已缴费用并维修设备。", "proposed_reply": "已退款并维修。"}
    with browser_tab(java_script_enabled=False) as tab:
        desk = Desk(tab, live_server.url)
        desk.login("handler")
        desk.open(c.number)
        block = tab.locator('details[data-action="submit_result"]')
        block.locator("summary").click()
        for name, value in result.items():
            fill(block, name, value)
        editor = block.locator("[data-lines-editor]")
        assert editor.locator("button[data-add-line]").is_hidden()  # only the script offers it
        rows = editor.locator("[data-line]")
        rows.nth(0).locator('select[name="line_kind"]').select_option("refund")
        rows.nth(0).locator('input[name="line_amount"]').fill("120")
        rows.nth(2).locator('select[name="line_kind"]').select_option("repair")
        rows.nth(2).locator('input[name="line_amount"]').fill("80.5.0")  # a typo: refused, kept as typed
        for position, reason in declines(c, result).items():
            block.locator(f'input[name="declined"][value="{position}"]').check()
            block.locator(f'input[name="declined_reason_{position}"]').fill(reason)
        with tab.expect_navigation():
            block.locator("button[type=submit]").click()
        editor = tab.locator('details[data-action="submit_result"] [data-lines-editor]')
        assert "第2项：金额格式不正确：「80.5.0」" in editor.locator(".error").inner_text()
        assert editor.locator("[data-line]").nth(1).get_attribute("aria-invalid") == "true"
        assert editor.locator("[data-lines-total]").inner_text() == "120.00"  # the server's total
        assert not Solution.objects.filter(complaint=c).exists()
        tab.set_viewport_size({"width": 1366, "height": 2400})
        editor.screenshot(path=str(SHOTS / "result-form-lines-refused-without-js.png"))
        tab.set_viewport_size({"width": 1366, "height": 900})
        editor.locator("[data-line]").nth(1).locator('input[name="line_amount"]').fill("80.50")
        with tab.expect_navigation():
            tab.locator('details[data-action="submit_result"] button[type=submit]').click()
        assert status(tab) == "pending_approval:待审核"
        assert "200.50" in tab.locator("#solution").inner_text()
    solution = Solution.objects.get(complaint=c)
    assert [(x.kind, str(x.amount)) for x in solution.lines.all()] == [("refund", "120.00"), ("repair", "80.50")]
    assert solution.state == Solution.State.NONE  # 200.50 元 is below the preset's 5000
