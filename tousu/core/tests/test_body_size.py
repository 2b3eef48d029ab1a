"""Bodies over the limit answer 413 before anything reads them, and change nothing."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tousu.accounts.models import ApiToken
from tousu.complaints.models import Attachment, Complaint

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PAYLOAD = {
    "channel": "hotline",
    "summary": "窗口办事拖拉",
    "content": "到窗口办理营业执照，跑了四趟。",
    "complainants": [{"name": "张三", "phone": "13812345678"}],
    "respondents": [{"unit": "amr"}],
}


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user)}"}


def chunked(body: bytes, *, terminated: bool = True) -> dict:
    """What gunicorn hands Django for `Transfer-Encoding: chunked`: no Content-Length, and an
    input stream it ends itself."""
    return {
        "CONTENT_LENGTH": "",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": terminated,
    }


def test_an_8_mb_json_body_to_the_api_answers_413_and_registers_nothing(client, clerk):
    body = json.dumps({**PAYLOAD, "content": "投" * (8 * MB // 3)})
    response = client.post("/api/v1/complaints", body, content_type="application/json", **bearer(clerk))
    assert response.status_code == 413
    answer = response.json()
    assert answer["code"] == "too_large" and "过大" in answer["message"] and answer["data"]["limit"] == 5 * MB
    assert not Complaint.objects.exists()


def test_the_api_answers_413_even_where_the_body_outgrows_the_limit_inside_a_route(client, clerk, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("BodySizeMiddleware")]
    body = json.dumps({**PAYLOAD, "content": "x" * (6 * MB)})
    response = client.post("/api/v1/complaints", body, content_type="application/json", **bearer(clerk))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Complaint.objects.exists()


def test_an_oversized_web_form_post_answers_413_with_a_chinese_page(client, clerk):
    client.force_login(clerk)
    response = client.post(
        "/intake/",
        {
            "phone": "13812345678",
            "name": "张三",
            "summary": "窗口办事拖拉",
            "content": "x" * (6 * MB),
            "channel": "hotline",
        },
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "提交的内容过大" in html and "上限 5 MB" in html and 'lang="zh-hans"' in html
    assert not Complaint.objects.exists()


def test_an_oversized_chunked_body_without_content_length_answers_413(clerk):
    body = json.dumps({**PAYLOAD, "content": "x" * (6 * MB)}).encode()
    response = Client().generic(
        "POST", "/api/v1/complaints", b"", content_type="application/json", **bearer(clerk), **chunked(body)
    )
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert not Complaint.objects.exists()


def test_a_chunked_body_within_the_limit_is_read_whole(clerk):
    body = json.dumps(PAYLOAD).encode()
    response = Client().generic(
        "POST", "/api/v1/complaints", b"", content_type="application/json", **bearer(clerk), **chunked(body)
    )
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().summary == "窗口办事拖拉"


def test_a_chunked_body_the_server_does_not_delimit_answers_411(clerk):
    response = Client().generic(
        "POST",
        "/api/v1/complaints",
        b"",
        content_type="application/json",
        **bearer(clerk),
        **chunked(b"{}", terminated=False),
    )
    assert response.status_code == 411
    assert not Complaint.objects.exists()


def test_an_attachment_larger_than_the_form_limit_still_uploads(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    upload = SimpleUploadedFile("录音记录.txt", b"a" * (6 * MB), content_type="text/plain")
    response = client.post(f"/c/{complaint.number}/attach/", {"file": upload, "note": "来电录音整理"})
    assert response.status_code == 302
    assert complaint.attachments.get().size == 6 * MB


def test_an_attachment_uploads_through_the_api(client, clerk, register):
    complaint = register()
    upload = SimpleUploadedFile("说明.txt", "材料内容".encode(), content_type="text/plain")
    response = client.post(f"/api/v1/complaints/{complaint.number}/attachments", {"file": upload}, **bearer(clerk))
    assert response.status_code == 201, response.content
    assert complaint.attachments.get().original_name == "说明.txt"


def test_an_upload_over_the_attachment_limit_answers_413(client, clerk, register, settings):
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 1 * MB
    complaint = register()
    client.force_login(clerk)
    upload = SimpleUploadedFile("大文件.txt", b"a" * (7 * MB), content_type="text/plain")
    response = client.post(f"/c/{complaint.number}/attach/", {"file": upload})
    assert response.status_code == 413 and "上限 6 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_oversized_form_field_inside_an_upload_answers_413(client, clerk, register):
    complaint = register()
    client.force_login(clerk)
    upload = SimpleUploadedFile("说明.txt", b"a", content_type="text/plain")
    response = client.post(f"/c/{complaint.number}/attach/", {"file": upload, "note": "x" * (6 * MB)})
    assert response.status_code == 413
    assert not Attachment.objects.exists()


def test_a_malformed_multipart_body_is_a_400_not_a_500(client, clerk, register):
    complaint = register()
    response = client.generic(
        "POST",
        f"/api/v1/complaints/{complaint.number}/attachments",
        b"--x\r\nabc",
        content_type="multipart/form-data",
        **bearer(clerk),
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    assert not Attachment.objects.exists()


def test_the_413_page_follows_the_language_switch(client, clerk):
    client.force_login(clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post("/intake/", {"content": "x" * (6 * MB)})
    assert response.status_code == 413
    html = response.content.decode()
    assert "Request too large" in html and "limit 5 MB" in html and 'lang="en"' in html
