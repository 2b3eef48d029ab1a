"""Attachments (SPEC §4): photos, recordings and documents of a case, type- and size-checked,
stored under the data dir, and served only to those who may see them (摘转: in the redacted view,
only files the centre released)."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.access import access_complaint
from tousu.complaints.confidentiality import scrub_identity, sees_identity
from tousu.complaints.inputs import Attach
from tousu.complaints.models import Attachment
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


def _checked_name(data: Attach) -> tuple[str, str]:
    """The file's base name and extension, once its type, size and contents are acceptable."""
    base = Path(data.name or "").name.strip()
    ext = os.path.splitext(base)[1].lower()
    if not base or ext not in TYPES:
        raise ValidationFailed(
            _("不支持的文件类型：%(name)s") % {"name": base or "?"}, field="file", allowed=sorted(TYPES)
        )
    if not data.content:
        raise ValidationFailed(_("文件为空"), field="file")
    limit = settings.TOUSU_ATTACHMENT_MAX_BYTES
    if len(data.content) > limit:
        raise ValidationFailed(
            _("文件超过大小上限 %(mb)d MB") % {"mb": limit // 1048576}, field="file", max_bytes=limit
        )
    if (ext in MAGIC and not any(data.content.startswith(m) for m in MAGIC[ext])) or (
        ext in BOXED and data.content[4:8] != b"ftyp"
    ):
        raise ValidationFailed(_("文件内容与扩展名不符：%(name)s") % {"name": base}, field="file")
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
