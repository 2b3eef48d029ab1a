"""The 「调查记录」 section of the complaint page: entries with an uploaded file, the 8D table, the
batch panel; and in Chromium, a handler recording evidence and the 8D report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tousu.complaints.models import Attachment, Event
from tousu.investigation.models import BatchTrace, Entry, RootCause
from tousu.investigation.tests.conftest import PNG
from tousu.presets.tests.walk import Walk, use_preset

pytestmark = pytest.mark.django_db


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("现场照片.png", PNG, content_type="image/png")


def test_the_entry_form_uploads_the_evidence_and_records_it(client, handling, handler):
    client.force_login(handler)
    page = client.get(f"/c/{handling.number}/").content.decode()
    assert 'id="investigation"' in page and "调查记录" in page and 'value="evidence"' in page
    assert 'name="D1-text"' not in page  # the government preset keeps no root-cause record
    r = client.post(
        f"/c/{handling.number}/investigation/",
        {"part": "entry", "kind": "evidence", "text": "货架照片", "file": _photo()},
    )
    assert r.status_code == 302 and r["Location"].endswith("#investigation")
    entry = Entry.objects.get()
    assert entry.kind == "evidence" and [a.original_name for a in entry.attachments.all()] == ["现场照片.png"]
    assert Event.objects.filter(action="record_investigation").count() == 1
    page = client.get(f"/c/{handling.number}/").content.decode()
    assert "货架照片" in page and "已记录调查" in page


def test_a_refused_entry_stores_nothing(client, handling, handler):
    client.force_login(handler)
    r = client.post(
        f"/c/{handling.number}/investigation/",
        {"part": "entry", "kind": "visit", "text": "走访", "people": "王五", "file": _photo()},
        follow=True,
    )
    assert r.status_code == 200 and "现场走访须填写走访时间" in r.content.decode()
    assert not Entry.objects.exists() and not Attachment.objects.exists()


def test_bad_posts_are_messages_not_errors(client, handling, handler, outsider):
    client.force_login(handler)
    for body in ({"part": "nothing"}, {"part": "entry", "kind": "visit", "text": "x", "occurred_at": "昨天"}):
        assert client.post(f"/c/{handling.number}/investigation/", body).status_code == 302
    r = client.post(f"/c/{handling.number}/investigation/", {"part": "root_cause", "method": "8d", "D1-date": "x"})
    assert r.status_code == 302 and not RootCause.objects.exists()
    client.force_login(outsider)
    assert client.post(f"/c/{handling.number}/investigation/", {"part": "entry"}).status_code == 404
    assert not Entry.objects.exists()


def test_the_manufacturing_page_has_the_8d_table_and_the_batch_panel(client, api_client, settings):
    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-09-29 09:00")
    for moment, action in (("09:10", "accept"), ("09:20", "dispatch"), ("09:30", "sign")):
        walk.act(f"2026-09-29 {moment}", action)
    client.force_login(walk.handler)
    page = client.get(f"/c/{walk.number}/").content.decode()
    assert page.count('name="D') == 8 * 3  # D1…D8: text, owner, date
    assert "D8 总结与表彰" in page and "尚缺" in page
    assert "ZZ260925-02" in page  # the batch of the sample's custom field, in the batch panel
    form = {"part": "root_cause", "method": "8d"}
    for i in range(1, 9):
        form |= {f"D{i}-text": f"第{i}步", f"D{i}-owner": "质量部", f"D{i}-date": "2026-09-29"}
    client.post(f"/c/{walk.number}/investigation/", form)
    assert RootCause.objects.get().parts["D8"] == {"text": "第8步", "owner": "质量部", "date": "2026-09-29"}
    client.post(f"/c/{walk.number}/investigation/", {"part": "batch", "batch": "ZZ260925-02", "sample_result": "合格"})
    assert BatchTrace.objects.get().sample_result == "合格"
    page = client.get(f"/c/{walk.number}/").content.decode()
    assert "尚缺" not in page and "（已完成）" in page


@pytest.mark.browser
def test_a_handler_records_evidence_and_the_8d_report_in_the_browser(
    live_server, transactional_db, api_client, settings, tmp_path
):
    from tousu.web.tests.test_browser import SHOTS, Desk, browser_tab

    users, demo = use_preset("manufacturing", settings)
    walk = Walk(api_client, users, demo, sample=0)
    walk.register("2026-09-29 09:00")
    for moment, action in (("09:10", "accept"), ("09:20", "dispatch"), ("09:30", "sign")):
        walk.act(f"2026-09-29 {moment}", action)
    photo = tmp_path / "砂眼照片.png"
    photo.write_bytes(PNG)
    with browser_tab() as tab:
        desk = Desk(tab, live_server.url)
        desk.login(walk.handler.username)
        desk.open(walk.number)
        section = tab.locator("#investigation")
        section.locator("details.investigation-entry summary").click()
        section.locator('select[name="kind"]').select_option("evidence")
        section.locator('textarea[name="text"]').fill("壳体砂眼照片，气密性试验渗漏")
        section.locator('input[name="file"]').set_input_files(str(photo))
        with tab.expect_navigation():
            section.locator("details.investigation-entry button[type=submit]").click()
        assert "壳体砂眼照片" in tab.locator("#investigation").inner_text()
        table = tab.locator("#investigation form.root-cause")
        for i in range(1, 9):
            table.locator(f'[name="D{i}-text"]').fill(f"第{i}步完成")
            table.locator(f'[name="D{i}-owner"]').fill("品质部")
            table.locator(f'[name="D{i}-date"]').fill("2026-09-29")
        with tab.expect_navigation():
            table.locator("button[type=submit]").click()
        assert "已完成" in tab.locator("#investigation").inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        tab.locator("#investigation").screenshot(path=str(SHOTS / "investigation.png"))
    entry = Entry.objects.get()
    assert [a.original_name for a in entry.attachments.all()] == ["砂眼照片.png"]
    assert RootCause.objects.get().parts["D5"]["owner"] == "品质部"
