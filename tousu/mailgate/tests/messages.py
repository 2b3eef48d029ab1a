"""Real messages as Chinese mail clients send them: RFC 2047 headers in GBK/GB2312/GB18030/UTF-8,
HTML-only bodies, attachments named in Chinese."""

from __future__ import annotations

import base64
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

# A small but well-formed PDF.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def word(text: str, charset: str) -> str:
    """``text`` as one RFC 2047 encoded word (B encoding) in ``charset`` (bytes encoded as GBK
    where the label is GB2312, as real GB2312-labelled mail does)."""
    codec = "gbk" if charset.lower() == "gb2312" else charset
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def html_part(html: str, charset: str) -> MIMEBase:
    part = MIMEBase("text", "html", charset=charset)
    part.set_payload(html.encode("gbk" if charset.lower() == "gb2312" else charset))
    encoders.encode_base64(part)
    return part


def pdf_part(name: str, charset: str = "gbk") -> MIMEBase:
    part = MIMEBase("application", "pdf", name=word(name, charset))
    part.set_payload(PDF)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=word(name, charset))
    return part


def message(
    *,
    subject: str,
    sender: str = "wangzhe@example.cn",
    name: str = "王喆",
    charset: str = "gbk",
    html: str | None = None,
    text: str | None = None,
    attachments: list[MIMEBase] | None = None,
    message_id: str = "<m1@mail.example.cn>",
    headers: dict[str, str] | None = None,
) -> bytes:
    msg = MIMEMultipart("mixed")
    msg["From"] = f"{word(name, charset)} <{sender}>" if name else sender
    msg["To"] = "tousu@example.gov.cn"
    msg["Subject"] = word(subject, charset)
    msg["Date"] = "Mon, 30 Nov 2026 09:15:00 +0800"
    if message_id:
        msg["Message-ID"] = message_id
    for key, value in (headers or {}).items():
        msg[key] = value
    if text is not None:
        msg.attach(MIMEText(text, "plain", "utf-8"))
    if html is not None:
        msg.attach(html_part(html, charset))
    for part in attachments or []:
        msg.attach(part)
    return msg.as_bytes()


COMPLAINT_HTML = (
    "<html><head><meta charset='gb2312'><style>p {color: red}</style><title>投诉</title></head><body>"
    "<p>本人王喆，住镕城花园3栋。</p><p>物业公司&nbsp;从2026年10月起每月多收停车费200元，"
    "多次交涉无果。</p><script>alert(1)</script><p>请求退还多收费用。</p></body></html>"
)
