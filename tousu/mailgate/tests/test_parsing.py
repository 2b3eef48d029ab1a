"""Reading messages: encodings, HTML bodies, attachments' names, machines' mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tousu.mailgate import gateway
from tousu.mailgate.models import MailMessage
from tousu.mailgate.parsing import Unreadable, codec_for, decode_text, html_to_text, parse
from tousu.mailgate.tests.messages import message, pdf_part


def test_gb_labels_are_read_as_gb18030():
    assert codec_for("GB2312") == codec_for("gbk") == codec_for("x-gbk") == "gb18030"
    assert codec_for("no-such-charset") == "utf-8"
    assert decode_text("朱镕基".encode("gbk"), "gb2312") == "朱镕基"  # 镕 is GBK, not GB2312
    assert decode_text("投诉".encode(), None) == "投诉"  # unlabelled: UTF-8 first
    assert decode_text("投诉".encode("gbk"), None) == "投诉"


def test_html_becomes_readable_text():
    html = (
        "<html><head><title>标题</title><style>.a{}</style></head><body>"
        "<div>第一段&nbsp;文字</div><p>第二段<br/>换行</p>"
        "<table><tr><td>金额</td><td>200元</td></tr></table>"
        "<script>var x = 1;</script>&lt;完&gt;</body></html>"
    )
    assert html_to_text(html) == "第一段 文字\n\n第二段\n换行\n\n金额 200元\n\n<完>"


def test_raw_8bit_headers_are_read_as_utf8_or_gb18030():
    raw = "From: 钱七 <qian@example.cn>\r\nSubject: 噪音扰民\r\n\r\n正文\r\n"
    assert parse(raw.encode("utf-8")).sender_name == "钱七"
    assert parse(raw.encode("gb18030")).subject == "噪音扰民"


def test_an_attachment_named_in_rfc2231_is_kept_with_its_chinese_name():
    from email import encoders
    from email.mime.base import MIMEBase

    part = MIMEBase("application", "pdf")
    part.set_payload(b"%PDF-1.4")
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=("gbk", "", "检测报告.pdf"))
    mail = parse(message(subject="x", text="y", attachments=[part]))
    assert [f.name for f in mail.files] == ["检测报告.pdf"]


def test_a_path_in_an_attachment_name_is_dropped():
    mail = parse(message(subject="x", text="y", attachments=[pdf_part("../../etc/报告.pdf")]))
    assert "/" not in mail.files[0].name and mail.files[0].name.endswith("报告.pdf")


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"List-Id": "<news.example.cn>"},
    ],
)
def test_machine_mail_is_recognised(headers):
    assert parse(message(subject="x", text="y", headers=headers)).automatic


def test_a_bounce_from_the_mailer_daemon_is_recognised():
    assert parse(message(subject="Undelivered", text="y", sender="MAILER-DAEMON@example.cn", name="")).automatic


def test_a_message_over_the_size_limit_is_refused(settings):
    settings.TOUSU_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(Unreadable, match="大小上限"):
        parse(message(subject="x", text="y" * 1000))


def test_a_message_another_process_is_handling_is_busy_until_abandoned(org):
    raw = message(subject="停车费", text="内容", message_id="<busy@x.cn>")
    MailMessage.objects.create(message_id="<busy@x.cn>", source="pipe", sha256=parse(raw).digest)

    with pytest.raises(gateway.Busy):
        gateway.receive(raw, source="pipe")

    MailMessage.objects.update(updated_at=timezone.now() - dt.timedelta(hours=1))
    received = gateway.receive(raw, source="pipe")
    assert received.outcome == "registered"
    assert MailMessage.objects.get().attempts == 2
