"""The report pages as the centre's supervisor uses them: draft from the list, edit the narrative,
issue, download; a handler is kept out; bad input is a Chinese message, never a 500."""

from __future__ import annotations

import pytest

from tousu.reports.models import Report, ReportStatus

pytestmark = pytest.mark.django_db


def test_the_supervisor_drafts_edits_issues_and_downloads(november, center, client):
    client.force_login(center)
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "生成报告" in html and '<option value="government_quarterly">行政效能投诉统计报告</option>' in html
    assert "统计报告" in html  # the nav link

    r = client.post("/reports/", {"kind": "monthly", "period": "2026-11", "cases": ""})
    report = Report.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/reports/{report.pk}/"
    detail = client.get(f"/reports/{report.pk}/").content.decode()
    assert "2026年11月投诉情况月报" in detail and "2026年11月共受理投诉8件" in detail
    assert 'name="section-measures"' in detail and "总体情况" in detail and "受理量" in detail

    r = client.post(
        f"/reports/{report.pk}/",
        {
            "version": report.version,
            "section-measures": "一是加强培训；二是严格督办。",
            "section-overview": "本月平稳。",
        },
    )
    assert r.status_code == 302
    report.refresh_from_db()
    texts = {s["code"]: s["text"] for s in report.sections}
    assert texts["measures"] == "一是加强培训；二是严格督办。" and texts["overview"] == "本月平稳。"

    r = client.post(f"/reports/{report.pk}/issue/", {"version": report.version}, follow=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ISSUED
    html = r.content.decode()
    assert f"已印发，文号{report.reference}。" in html and 'name="section-measures"' not in html

    docx = client.get(f"/reports/{report.pk}/docx/")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    pdf = client.get(f"/reports/{report.pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/reports/{report.pk}/xls/").status_code == 404


def test_bad_input_is_a_chinese_message_and_writes_nothing(november, center, client):
    client.force_login(center)
    for fields, message in [
        ({"kind": "monthly", "period": "2026-Q4"}, "月报按月统计"),
        ({"kind": "monthly", "period": "abc"}, "统计期间格式有误"),
        ({"kind": "bulletin", "period": "2026-11", "cases": ""}, "至少选择一件"),
        ({"kind": "bulletin", "period": "2026-11", "cases": "X-1，X-2"}, "不存在"),
        ({"kind": "monthly", "period": "2026-11\x00"}, "NUL"),
    ]:
        page = client.post("/reports/", fields)
        assert page.status_code == 200, fields
        html = page.content.decode()
        assert "msg-error" in html and message in html, fields
    assert not Report.objects.exists()
    report = client.post("/reports/", {"kind": "monthly", "period": "2026-11"})
    pk = Report.objects.get().pk
    stale = client.post(f"/reports/{pk}/issue/", {"version": "x"}, follow=True)
    assert "msg-error" in stale.content.decode() and Report.objects.get().status == ReportStatus.DRAFT
    assert report.status_code == 302


def test_a_handler_cannot_read_reports(org, handler, client):
    client.force_login(handler)
    assert client.get("/reports/").status_code == 403
    assert "统计报告" not in client.get("/").content.decode()
    assert client.get("/reports/1/").status_code in (403, 404)


@pytest.mark.browser
def test_the_centre_drafts_edits_issues_and_downloads_in_the_browser(live_server, transactional_db, november):
    from pypdf import PdfReader

    from tousu.web.tests.test_browser import Desk, browser_tab

    with browser_tab(accept_downloads=True) as tab:
        desk = Desk(tab, live_server.url)
        desk.login("center")
        tab.locator("nav.sidenav a", has_text="统计报告").click()
        form = tab.locator("#generate")
        form.locator('select[name="kind"]').select_option("monthly")
        form.locator('input[name="period"]').fill("2026-11")
        with tab.expect_navigation():
            form.locator("button[type=submit]").click()
        report = Report.objects.get()
        assert tab.url.endswith(f"/reports/{report.pk}/")
        measures = tab.locator('textarea[name="section-measures"]')
        assert "2026年11月共受理投诉8件" in tab.locator('textarea[name="section-overview"]').input_value()
        measures.fill("一是加强培训；二是严格督办。")
        with tab.expect_navigation():
            tab.locator("#narrative button[type=submit]").click()
        with tab.expect_navigation():
            tab.locator("#issue button[type=submit]").click()
        report.refresh_from_db()
        assert report.status == ReportStatus.ISSUED
        assert tab.locator("#reference").inner_text() == report.reference
        assert "一是加强培训；二是严格督办。" in tab.locator("#narrative").inner_text()
        with tab.expect_download() as download:
            tab.locator("#download-pdf").click()
        assert download.value.suggested_filename == f"{report.reference}.pdf"
        text = "".join("".join(p.extract_text() for p in PdfReader(download.value.path()).pages).split())
        assert "共受理投诉8件" in text and "一是加强培训；二是严格督办。" in text
