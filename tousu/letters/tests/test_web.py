"""The 「文书」 section of the complaint page: listed letters, the form that makes one, the downloads;
and in Chromium, the reply letter made on the page and downloaded as PDF."""

import io

import pytest
from pypdf import PdfReader

from tousu.letters.models import Letter

pytestmark = pytest.mark.django_db


def test_the_page_lists_letters_and_offers_the_letters_due(client, approved, center, make):
    letter = make(center, approved, "reply")
    client.force_login(center)
    page = client.get(f"/c/{approved.number}/").content.decode()
    assert 'id="letters"' in page and letter.reference in page
    assert f"?id={letter.pk}&amp;format=pdf" in page and f"?id={letter.pk}&amp;format=docx" in page
    assert 'value="reply"' in page and 'value="unit_reply"' in page and 'value="acceptance"' in page
    assert 'value="decline.C_litigation"' not in page  # not declined: no decline letter


def test_the_form_makes_a_letter_and_the_links_download_it(client, approved, center):
    client.force_login(center)
    r = client.post(f"/c/{approved.number}/letters/", {"template": "reply", "title": "", "body": ""})
    assert r.status_code == 302 and r["Location"].endswith("#letters")
    letter = Letter.objects.get()
    pdf = client.get(f"/c/{approved.number}/letters/", {"id": letter.pk, "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf["Content-Disposition"]
    text = "".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert approved.number in text and letter.reference in text
    word = client.get(f"/c/{approved.number}/letters/", {"id": letter.pk, "format": "docx"})
    assert word.status_code == 200 and word.content[:2] == b"PK"


def test_a_refused_letter_is_a_message_and_nothing_is_made(client, approved, handler):
    client.force_login(handler)
    r = client.post(f"/c/{approved.number}/letters/", {"template": "acceptance"}, follow=True)
    assert r.status_code == 200 and "无权制作" in r.content.decode()
    r = client.post(f"/c/{approved.number}/letters/", {"template": "x" * 500}, follow=True)
    assert r.status_code == 200 and "没有这个文书模板" in r.content.decode()
    r = client.post(f"/c/{approved.number}/letters/", {"template": "reply", "body": "x" * 30000}, follow=True)
    assert r.status_code == 200
    assert not Letter.objects.exists()


def test_out_of_scope_and_bad_downloads_are_not_errors(client, approved, outsider, center, make):
    letter = make(center, approved, "reply")
    client.force_login(outsider)
    assert client.get(f"/c/{approved.number}/letters/", {"id": letter.pk, "format": "pdf"}).status_code == 404
    assert client.post(f"/c/{approved.number}/letters/", {"template": "reply"}).status_code == 404
    client.force_login(center)
    assert client.get(f"/c/{approved.number}/letters/", {"id": "abc", "format": "pdf"}).status_code == 302
    assert client.get(f"/c/{approved.number}/letters/", {"id": letter.pk, "format": "exe"}).status_code == 302
    assert client.get(f"/c/{approved.number}/letters/", {"id": 99999, "format": "pdf"}).status_code == 404


@pytest.mark.browser
def test_the_centre_makes_the_reply_letter_and_downloads_the_pdf(live_server, transactional_db, org, register, walk):
    from tousu.web.tests.test_browser import Desk, browser_tab

    c = register(complainants=[{"name": "张三", "phone": "13812345678", "id_number": "110101199003071233"}])
    c = walk(c, "accept", "dispatch", "sign", "submit_result", "approve")
    with browser_tab(accept_downloads=True) as tab:
        desk = Desk(tab, live_server.url)
        desk.login("center")
        desk.open(c.number)
        section = tab.locator("#letters")
        section.locator("summary").click()
        section.locator('select[name="template"]').select_option("reply")
        with tab.expect_navigation():
            section.locator("button[type=submit]").click()
        letter = Letter.objects.get()
        assert letter.reference in tab.locator("#letters").inner_text()
        with tab.expect_download() as download:
            tab.locator("#letters a", has_text="PDF").click()
        assert download.value.suggested_filename == f"{letter.reference}{letter.title}.pdf"
        text = "".join(PdfReader(download.value.path()).pages[0].extract_text().split())
        assert c.number in text and "张三先生" in text
