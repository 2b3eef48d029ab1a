"""Uploads checked by content, with the preset's allow-list (issue 17 item 4): whatever the name, a
program, a web page or a script is refused; text must be UTF-8 or GB18030 without NUL; Office files
must be real Office zips, judged without extracting, and no zip bomb; every refusal stores nothing,
whichever way the file came (staff, the portal, the mail gateway)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from tousu.complaints import attachments
from tousu.complaints.inputs import Attach
from tousu.complaints.models import Attachment, Event
from tousu.core.errors import ValidationFailed
from tousu.presets import uploads

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def office(ext: str, *, part: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types/>")
        z.writestr(part or attachments.OOXML_PART[ext], "<?xml version='1.0'?><doc/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def problem(name: str, content: bytes) -> str:
    with pytest.raises(ValidationFailed) as refused:
        attachments._checked_name(Attach(name=name, content=content))
    assert refused.value.status == 422 and refused.value.data["field"] == "file"
    return refused.value.message


def test_the_presets_extensions_are_the_ones_tousu_checks():
    assert set(uploads.EXTENSIONS) == set(attachments.TYPES)
    assert sorted(uploads.EXTENSIONS) == sorted(e for group in uploads.KINDS.values() for e in group)


@pytest.mark.parametrize(
    "name, content",
    [
        ("照片.png", PNG),
        ("发票.pdf", PDF),
        ("说明.txt", "投诉人称：物业多收停车费。".encode()),
        ("说明.txt", "投诉人称：物业多收停车费。".encode("gb18030")),
        ("说明.txt", "\ufeff带BOM的文本".encode()),
        ("合同.docx", office(".docx")),
        ("账单.xlsx", office(".xlsx")),
        ("录音.amr", b"#!AMR\n" + b"\x3c" * 40),
    ],
)
def test_good_files_pass(name, content):
    assert attachments._checked_name(Attach(name=name, content=content)) == (name, Path(name).suffix)


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("报告.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 60, "可执行程序"),
        ("照片.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "可执行程序"),
        ("说明.txt", b"#!/bin/sh\nrm -rf /\n", "可执行程序"),
        ("说明.txt", b"<!DOCTYPE html><html><body>hi</body></html>", "网页或脚本"),
        ("说明.txt", "投诉内容……\n<script>alert(1)</script>".encode(), "网页或脚本"),
        ("图.png", b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "网页或脚本"),
        ("发票.pdf", b"<html><script>x</script></html>", "网页或脚本"),
        ("发票.pdf", PDF.replace(b"/Catalog", b"/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"), "脚本"),
        ("说明.txt", b"text\x00with a NUL", "二进制"),
        ("说明.txt", b"\xff\xfe\xfd\x81\x30\x81", "UTF-8 或 GB18030"),
        ("合同.docx", b"PK\x03\x04 but not a zip", "与扩展名不符"),
        ("合同.docx", office(".xlsx"), "与扩展名不符"),  # a workbook named as a document
        ("账单.xlsx", office(".xlsx", extra={"xl/vbaProject.bin": b"macro"}), "宏"),
        ("照片.png", PDF, "与扩展名不符"),
    ],
)
def test_bad_files_are_refused_whatever_their_name(name, content, why):
    assert why in problem(name, content) and name in problem(name, content)


def test_a_zip_bomb_is_refused_by_its_declared_sizes():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (8 * 1048576))  # 8 MB of zeros: ~8 KB deflated
    assert "解压后过大" in problem("合同.docx", out.getvalue())


def test_the_preset_narrows_the_types_and_sizes(use_preset, org):
    use_preset(uploads=uploads.Uploads(allowed=(".pdf", ".png"), max_mb={"image": 1}))
    message = problem("录音.mp3", b"ID3" + b"\x00" * 20)
    assert "不支持的文件类型" in message and ".pdf .png" in message
    assert "1 MB" in problem("照片.png", PNG + b"\x00" * 1048576)
    assert attachments._checked_name(Attach(name="发票.pdf", content=PDF)) == ("发票.pdf", ".pdf")


def test_the_preset_cannot_raise_the_installations_limit():
    u = uploads.Uploads(max_mb={"video": 500})
    assert u.limit(".mp4", settings.TOUSU_ATTACHMENT_MAX_BYTES) == settings.TOUSU_ATTACHMENT_MAX_BYTES
    with pytest.raises(ValueError, match="no allowed extension"):
        uploads.Uploads(allowed=(".pdf",), max_mb={"video": 5})


def test_a_refused_file_stores_nothing(org, register):
    c = register()
    events = Event.objects.count()
    with pytest.raises(ValidationFailed):
        attachments.add(actor=org["clerk"], number=c.number, data=Attach(name="a.txt", content=b"<script>1</script>"))
    assert not Attachment.objects.exists() and Event.objects.count() == events
    folder = Path(settings.MEDIA_ROOT) / c.number
    assert not folder.exists() or not any(folder.iterdir())


def test_the_portal_refuses_the_same_files(client, org, settings):
    from tousu.portal import services

    settings.TOUSU_PORTAL_CHALLENGE = False
    submission = services.Submission(
        summary="停车费",
        content="物业多收停车费。",
        anonymous=True,
        consent=True,
        files=[services.Upload("发票.pdf", b"<!doctype html><p>x</p>")],
    )
    with pytest.raises(ValidationFailed, match="网页或脚本"):
        services.submit(data=submission, address="203.0.113.9")
    assert not Attachment.objects.exists()


def test_the_mail_gateway_refuses_the_same_files(org):
    from tousu.mailgate.tests.messages import pdf_part
    from tousu.mailgate.tests.test_mail_in import complaint_mail, mail_in

    disguised = pdf_part("发票.pdf")
    disguised.set_payload("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==")  # <script>alert(1)</script>
    _out, err = mail_in(complaint_mail(attachments=[disguised]))
    assert not Attachment.objects.exists() and "网页或脚本" in err
