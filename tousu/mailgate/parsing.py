"""Reading one RFC 822 message: its sender, subject, text and files, in the Chinese encodings mail
really arrives in.

Mail labelled GB2312 often carries GBK characters (GB2312 has no 镕, 喆, 堃 or the traditional
forms people type), and Python's ``gb2312`` codec refuses them; GB18030 is a superset of both
and decodes every such message as its sender wrote it, so all three are read as GB18030, in
RFC 2047 encoded words and in bodies alike. Headers sent as raw 8-bit bytes (no encoded words, as
some old clients do) are read as UTF-8, or else GB18030.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser

from django.conf import settings
from django.utils.translation import gettext as _

# Labels of the GB family, read as GB18030 (see the module's docstring).
GB_LABELS = frozenset({"gb2312", "gbk", "x-gbk", "cp936", "ms936", "euc-cn", "x-euc-cn", "gb_2312-80", "csgb2312"})
_GB_WORD = re.compile(rb"=\?(gb2312|gbk|x-gbk|cp936|euc-cn|x-euc-cn|csgb2312)(\*[A-Za-z-]*)?\?", re.IGNORECASE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A message larger than this is refused whole: it could not be stored anyway (each file is limited
# to TOUSU_ATTACHMENT_MAX_BYTES, and base64 makes it a third larger in the message).
SIZE_FACTOR = 5
# Senders that are machines: a complaint is never registered from them, nor answered (mail loops).
_MACHINES = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"})
_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


class Unreadable(Exception):
    """A message that cannot be read as a complaint; ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class File:
    name: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    """What the gateway needs of a message. ``key`` identifies it across deliveries: its
    Message-ID (with a digest of its content when another message already used that ID, see
    ``gateway``), ``digest`` is the SHA-256 of what it says (sender, subject, text and files),
    which an MTA's trace headers do not change."""

    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    files: list[File] = field(default_factory=list)
    automatic: bool = False
    digest: str = ""


def codec_for(label: str | None) -> str:
    """The codec that reads text labelled ``label``: GB labels as GB18030, unknown ones as UTF-8."""
    name = (label or "utf-8").strip().strip('"').lower()
    if name in GB_LABELS:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def decode_text(data: bytes, label: str | None) -> str:
    """``data`` as text: by its label, else UTF-8, else GB18030, else with replacement marks."""
    for name in dict.fromkeys((codec_for(label), "utf-8", "gb18030")):
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(codec_for(label), errors="replace")


def _unescape_bytes(value: str) -> str:
    """A header value with raw 8-bit bytes (kept by the parser as surrogates) read as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), None)


def _words(value: str) -> str:
    """Encoded words the header parser left as they were (in a file name, say) decoded."""
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:  # a malformed encoded word stays as written
        return value
    return "".join(p if isinstance(p, str) else decode_text(p, c) for p, c in parts)


def clean(value: object) -> str:
    """A header's text: decoded, on one line, spaces collapsed, no NUL."""
    text = _words(_unescape_bytes(str(value or "")))
    return " ".join(text.replace("\x00", "").split())


# -- HTML → text --------------------------------------------------------------------------------
class _TextOfHtml(HTMLParser):
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre"})
    BLOCK |= {"section", "article", "header", "footer", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
    SKIP = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCK and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(" ".join(data.split()) if data.strip() else " ")


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: paragraphs and line breaks kept, scripts, styles and tags
    dropped, entities decoded (stdlib ``html.parser``)."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    return tidy_text("".join(parser.parts))


def tidy_text(text: str) -> str:
    """Lines stripped, runs of blank lines made one, no NUL."""
    lines = [" ".join(line.split()) for line in text.replace("\x00", "").replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


# -- the message --------------------------------------------------------------------------------
def _prepared(raw: bytes) -> bytes:
    """The header section with GB2312/GBK encoded words relabelled GB18030, and raw 8-bit headers
    that are not UTF-8 (old clients' GBK) recoded as UTF-8, which the parser reads; the body as is."""
    end = _HEADER_END.search(raw)
    cut = end.end() if end else len(raw)
    head = _GB_WORD.sub(rb"=?gb18030\2?", raw[:cut])
    if not head.isascii():
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            head = head.decode("gb18030", errors="replace").encode("utf-8")
    return head + raw[cut:]


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    text = decode_text(data, part.get_content_charset())
    return html_to_text(text) if part.get_content_type() == "text/html" else tidy_text(text)


def _file_name(part: Message, index: int) -> str:
    name = clean(part.get_filename() or part.get_param("name") or "")
    name = name.replace("/", "_").replace("\\", "_").strip(". ")
    if not name:
        ext = mimetypes.guess_extension(part.get_content_type()) or ".bin"
        name = _("附件%(n)d%(ext)s") % {"n": index, "ext": ext}
    if len(name) > 200:  # keep the extension: it decides the type
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def _is_automatic(msg: Message, sender: str) -> bool:
    """An auto-reply, a bounce or list mail (RFC 3834): never a complaint, never answered."""
    auto = clean(msg.get("Auto-Submitted", "")).lower()
    if auto and auto != "no":
        return True
    if clean(msg.get("Precedence", "")).lower() in _PRECEDENCE:
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("List-Id"):
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    return sender.split("@")[0].lower() in _MACHINES


def parse(raw: bytes) -> Mail:
    """Read ``raw`` (one RFC 822 message) or raise ``Unreadable`` with the reason."""
    limit = settings.TOUSU_ATTACHMENT_MAX_BYTES * SIZE_FACTOR
    if not raw.strip():
        raise Unreadable(_("邮件为空。"))
    if len(raw) > limit:
        raise Unreadable(_("邮件超过大小上限 %(mb)d MB。") % {"mb": limit // 1048576})
    try:
        msg = BytesParser(policy=policy.default).parsebytes(_prepared(raw))
    except Exception:  # the parser is lenient; anything it still cannot take is not mail
        raise Unreadable(_("无法解析的邮件格式。")) from None
    if not msg.keys() or not isinstance(msg, EmailMessage):
        raise Unreadable(_("不是电子邮件：没有邮件头。"))
    try:
        addresses = list(getattr(msg["From"], "addresses", ()) or ())
    except Exception:
        addresses = []
    sender = clean(addresses[0].addr_spec).lower() if addresses else ""
    if "@" not in sender or sender.startswith("@") or sender.endswith("@"):
        raise Unreadable(_("无法识别发件人地址（From）。"))
    sender_name = clean(addresses[0].display_name)
    subject = clean(msg.get("Subject", ""))

    body = msg.get_body(preferencelist=("plain", "html"))
    text = _part_text(body) if body is not None else ""
    if not text and body is not None and body.get_content_type() == "text/plain":
        # A blank plain part beside an HTML one: the HTML is the message.
        html = msg.get_body(preferencelist=("html",))
        text = _part_text(html) if html is not None else ""
    files: list[File] = []
    for part in msg.walk():
        if part is body or part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        has_name = bool(part.get_filename() or part.get_param("name"))
        if not has_name and disposition != "attachment":
            continue  # the other alternative of the body, or a bare inline part
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            files.append(File(_file_name(part, len(files) + 1), payload))
    if not (subject or text or files):
        raise Unreadable(_("邮件没有主题、正文或附件。"))

    digest = hashlib.sha256()
    for piece in (sender, subject, text):
        digest.update(piece.encode("utf-8", "surrogatepass") + b"\x00")
    for f in files:
        digest.update(f.name.encode("utf-8", "surrogatepass") + b"\x00" + hashlib.sha256(f.content).digest())
    message_id = clean(msg.get("Message-ID", ""))[:200]
    return Mail(
        message_id=message_id,
        sender=sender[:200],
        sender_name=sender_name[:100],
        subject=unicodedata.normalize("NFC", subject),
        text=text,
        files=files,
        automatic=_is_automatic(msg, sender),
        digest=digest.hexdigest(),
    )
