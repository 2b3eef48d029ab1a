"""Attachments (SPEC §4): photos, recordings and documents of a case, checked — type against the
preset's allow-list (``Preset.uploads``), size, and content: the leading bytes, text encodings,
Office files' zip directories, and no program, web page or script whatever the name — stored under
the data dir, and served only to those who may see them (摘转: in the redacted view,
only files the centre released)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import uuid
import zipfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.access import access_complaint
from tousu.complaints.confidentiality import scrub_identity, sees_identity
from tousu.complaints.inputs import Attach
from tousu.complaints.models import Attachment
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, finish
from tousu.core.errors import NotFound, ValidationFailed

TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".amr": "audio/amr",
    ".m4a": "audio/mp4",
    ".mp4": "video/mp4",
}
SAFE_NUMBER = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Leading bytes of binary types; a file whose contents contradict its name is refused.
MAGIC = {
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
    ".png": [b"\x89PNG"],
    ".gif": [b"GIF8"],
    ".pdf": [b"%PDF"],
    ".docx": [b"PK"],
    ".xlsx": [b"PK"],
    ".doc": [b"\xd0\xcf\x11\xe0"],
    ".xls": [b"\xd0\xcf\x11\xe0"],
    ".wav": [b"RIFF"],
    ".amr": [b"#!AMR"],
    # Call recordings (hotline/CTI, SPEC §8): an ID3 tag or an MPEG audio frame header.
    ".mp3": [b"ID3", b"\xff\xfb", b"\xff\xfa", b"\xff\xf3", b"\xff\xf2", b"\xff\xe3", b"\xff\xe2"],
}
# ISO media files (m4a, mp4) start with a box length, then "ftyp".
BOXED = frozenset({".m4a", ".mp4"})


# Whatever its name, a file that is a program, a web page or an image that runs script is refused:
# served back to a browser or opened on a clerk's desk, it would run. Looked for at the start of
# the file (after a byte-order mark and white space), and anywhere in a text file.
EXECUTABLE = (
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"#!/",
)
MARKUP = re.compile(rb"<\s*(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|script|svg|iframe|object|embed)|<\?xml")
# Office Open XML (.docx, .xlsx): a zip that holds [Content_Types].xml and the part its type needs,
# judged by the zip's directory alone (nothing is extracted). A "zip bomb" declares sizes far above
# what it holds: refused by the declared total, the members' count and each member's ratio.
OOXML_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}
ZIP_MAX_TOTAL = 200 * 1048576
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_RATIO = 200
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile)\b")


def _content_problem(ext: str, content: bytes) -> str | None:
    """Why ``content`` is not an acceptable file of type ``ext`` (a message), or None."""
    start = content[:1024].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    head = start.lower()
    if (ext != ".amr" and start.startswith(EXECUTABLE)) or (content[:2] == b"MZ" and b"\x00" in content[:64]):
        return _("文件是可执行程序")
    if MARKUP.match(head) or (ext == ".txt" and MARKUP.search(content.lower())):
        return _("文件含有网页或脚本内容")
    if (ext in MAGIC and not any(content.startswith(m) for m in MAGIC[ext])) or (
        ext in BOXED and content[4:8] != b"ftyp"
    ):
        return _("文件内容与扩展名不符")
    if ext == ".txt":
        return _text_problem(content)
    if ext in OOXML_PART:
        return _zip_problem(ext, content)
    if ext == ".pdf" and PDF_ACTIVE.search(content):
        return _("PDF 文件含有脚本、启动操作或内嵌文件")
    return None


def _text_problem(content: bytes) -> str | None:
    if b"\x00" in content:
        return _("文本文件含有二进制内容")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None
    return _("文本文件应为 UTF-8 或 GB18030 编码")


def _zip_problem(ext: str, content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return _("文件内容与扩展名不符")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or OOXML_PART[ext] not in names:
        return _("文件内容与扩展名不符")
    if len(members) > ZIP_MAX_MEMBERS or sum(m.file_size for m in members) > ZIP_MAX_TOTAL:
        return _("文件解压后过大")
    if any(m.file_size > ZIP_MAX_RATIO * max(m.compress_size, 1) and m.file_size > 1048576 for m in members):
        return _("文件解压后过大")
    if any(m.flag_bits & 0x1 for m in members):
        return _("文件已加密，无法检查")
    if any(m.filename.lower().endswith("vbaproject.bin") for m in members):
        return _("文件含有宏")
    return None


def _checked_name(data: Attach) -> tuple[str, str]:
    """The file's base name and extension, once its type (by the preset's allow-list), size and
    contents are acceptable; ValidationFailed (422) otherwise, and nothing is stored."""
    base = Path(data.name or "").name.strip()
    ext = os.path.splitext(base)[1].lower()
    uploads = active().uploads
    allowed = sorted(e for e in uploads.allowed if e in TYPES)
    if not base or ext not in allowed:
        raise ValidationFailed(
            _("不支持的文件类型：%(name)s（可上传：%(allowed)s）")
            % {"name": base or "?", "allowed": " ".join(allowed)},
            field="file",
            allowed=allowed,
        )
    if not data.content:
        raise ValidationFailed(_("文件为空"), field="file")
    limit = uploads.limit(ext, settings.TOUSU_ATTACHMENT_MAX_BYTES)
    if len(data.content) > limit:
        raise ValidationFailed(
            _("文件超过大小上限 %(mb)s MB") % {"mb": f"{limit / 1048576:g}"}, field="file", max_bytes=limit
        )
    problem = _content_problem(ext, data.content)
    if problem:
        raise ValidationFailed(_("%(problem)s：%(name)s") % {"problem": problem, "name": base}, field="file")
    return base, ext


def add(*, actor: User, number: str, data: Attach) -> Attachment:
    """Store a file for the case. The file is written before the row and removed again if the
    transaction does not commit — the commit itself included — so no file is left without a row."""
    base, ext = _checked_name(data)
    if not SAFE_NUMBER.match(number):  # it names the folder: nothing but a complaint number's characters
        raise NotFound(_("投诉件 %(number)s 不存在或不在您的权限范围内") % {"number": number[:40]}, number=number[:40])
    stored = f"{number}/{uuid.uuid4().hex}{ext}"
    path = Path(settings.MEDIA_ROOT) / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.content)
    try:
        with transaction.atomic(durable=True):
            complaint, before = begin(actor, number, "attach", data)
            digest = hashlib.sha256(data.content).hexdigest()
            attachment = Attachment.objects.create(
                complaint=complaint,
                stored_name=stored,
                original_name=base[:255],
                content_type=TYPES[ext],
                size=len(data.content),
                sha256=digest,
                uploaded_by=actor,
                # What a reader of the redacted view adds (a unit's evidence) holds nothing hidden from
                # them: it is theirs to see from the start; the complainant's material waits for the centre.
                released=not sees_identity(actor, complaint),
            )
            finish(
                complaint,
                actor=actor,
                action="attach",
                before=before,
                note=data.note,
                payload={"name": base, "size": len(data.content), "sha256": digest, "released": attachment.released},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return attachment


def for_download(actor: User, number: str, attachment_id: int) -> tuple[Attachment, Path]:
    """An attachment and its path on disk, if ``actor`` may download it; NotFound otherwise.

    In the redacted view only attachments the centre released are served (SPEC §7)."""
    complaint = access_complaint(actor, number)
    attachment = complaint.attachments.filter(id=attachment_id).first()
    visible = sees_identity(actor, complaint)
    if attachment is None or (not attachment.released and not visible):
        raise NotFound(_("附件不存在或未放行"))
    if not visible:  # a released file's name may still name the complainant (尹晓梅身份证.jpg)
        attachment.original_name = scrub_identity(complaint, attachment.original_name)
    path = Path(settings.MEDIA_ROOT) / attachment.stored_name
    if not path.exists():
        raise NotFound(_("附件文件已丢失，请联系管理员"))
    return attachment, path
