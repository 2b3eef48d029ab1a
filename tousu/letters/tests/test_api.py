"""POST/GET /api/v1/complaints/{number}/letters and the PDF and Word downloads."""

import io
from urllib.parse import unquote

import pytest
from docx import Document
from pypdf import PdfReader

from tousu.complaints.audit import verify_audit
from tousu.letters.models import Letter

pytestmark = pytest.mark.django_db


def test_it_makes_lists_and_downloads_a_letter(api_client, approved, center):
    made = api_client.post(center, f"/complaints/{approved.number}/letters", {"template": "reply"})
    assert made.status_code == 201, made.content
    letter = made.json()
    assert letter["title"] == "行政效能投诉答复意见书" and letter["addressee"] == "张三先生"
    assert approved.number in letter["body"] and letter["reference"].startswith("效投复〔")

    listed = api_client.get(center, f"/complaints/{approved.number}/letters").json()["items"]
    assert [x["id"] for x in listed] == [letter["id"]]

    pdf = api_client.get(center, f"/complaints/{approved.number}/letters/{letter['id']}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    disposition = pdf["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="letter-{letter["id"]}.pdf"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"{letter['reference']}{letter['title']}.pdf"
    text = "".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert approved.number in text and "县市场监督管理局" in text and letter["date"] in text

    word = api_client.get(center, f"/complaints/{approved.number}/letters/{letter['id']}.docx")
    assert word.status_code == 200
    assert word["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    lines = [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert letter["title"] in lines and "张三先生：" in lines and letter["date"] in lines
    assert verify_audit().ok


def test_overrides_replace_the_filled_text(api_client, approved, center):
    body = {"template": "reply", "overrides": {"title": "答复函", "body": "第一段。\n\n第二段。"}}
    letter = api_client.post(center, f"/complaints/{approved.number}/letters", body).json()
    assert letter["title"] == "答复函" and letter["body"] == "第一段。\n第二段。"


def test_an_unknown_template_is_a_400_in_chinese(api_client, approved, center):
    r = api_client.post(center, f"/complaints/{approved.number}/letters", {"template": "nonsense"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_template"
    assert "没有这个文书模板" in r.json()["message"] and "reply" in r.json()["data"]["allowed"]
    assert not Letter.objects.exists()


def test_a_complaint_out_of_scope_is_a_404(api_client, approved, outsider, center):
    r = api_client.post(outsider, f"/complaints/{approved.number}/letters", {"template": "reply"})
    assert r.status_code == 404
    letter = api_client.post(center, f"/complaints/{approved.number}/letters", {"template": "reply"}).json()
    assert api_client.get(outsider, f"/complaints/{approved.number}/letters").status_code == 404
    assert api_client.get(outsider, f"/complaints/{approved.number}/letters/{letter['id']}.pdf").status_code == 404
    assert api_client.get(center, f"/complaints/{approved.number}/letters/999999.docx").status_code == 404
    assert api_client.get(center, f"/complaints/{approved.number}/letters/{10**30}.pdf").status_code == 404
    assert api_client.get(center, f"/complaints/{approved.number}/letters/x.pdf").status_code in (404, 422)


def test_a_role_that_may_not_make_the_letter_is_a_403(api_client, approved, handler, auditor):
    assert (
        api_client.post(handler, f"/complaints/{approved.number}/letters", {"template": "acceptance"}).status_code
        == 403
    )
    assert api_client.post(auditor, f"/complaints/{approved.number}/letters", {"template": "reply"}).status_code == 403
    assert not Letter.objects.exists()


def test_a_handler_makes_the_units_reply_redacted(api_client, approved, handler):
    r = api_client.post(handler, f"/complaints/{approved.number}/letters", {"template": "unit_reply"})
    assert r.status_code == 201 and r.json()["redacted"]
    assert "张三" not in str(r.json()) and "13812345678" not in str(r.json())


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"template": ""},
        {"template": "x" * 61},
        {"template": 5},
        {"template": "reply", "overrides": {"title": "a\nb"}},
        {"template": "reply", "overrides": "x"},
        [],
        "null",
    ],
)
def test_bad_input_is_refused_without_a_500(api_client, approved, center, body):
    r = api_client.post(center, f"/complaints/{approved.number}/letters", body)
    assert 400 <= r.status_code < 500, r.content
    assert not Letter.objects.exists()


def test_nul_characters_are_refused_not_a_500(api_client, approved, center):
    for body in ({"template": "reply\u0000"}, {"template": "reply", "overrides": {"body": "a\u0000b"}}):
        r = api_client.post(center, f"/complaints/{approved.number}/letters", body)
        assert 400 <= r.status_code < 500, r.content
    assert not Letter.objects.exists()


def test_a_redacted_reader_downloads_no_identity(api_client, approved, center, handler):
    body = {"template": "acceptance", "overrides": {"body": "张三先生（电话13812345678）：您的投诉已受理。"}}
    letter = api_client.post(center, f"/complaints/{approved.number}/letters", body).json()
    assert "张三" in letter["addressee"]
    # 县市场监督管理局 is the respondent: its handler sees the redacted view, in every format.
    pdf = api_client.get(handler, f"/complaints/{approved.number}/letters/{letter['id']}.pdf")
    text = "".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    word = api_client.get(handler, f"/complaints/{approved.number}/letters/{letter['id']}.docx")
    lines = "".join(p.text for p in Document(io.BytesIO(word.content)).paragraphs)
    listed = str(api_client.get(handler, f"/complaints/{approved.number}/letters").json())  # JSON escapes CJK
    for shown in (text, lines, listed):
        assert "张三" not in shown and "13812345678" not in shown
    assert "投诉人：" in text and "已隐去投诉人身份信息" in text
