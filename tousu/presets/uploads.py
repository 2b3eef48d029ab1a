"""The uploads section of a preset (SPEC §4, §14; issue 17 item 4): which kinds of file a case
accepts — an allow-list that narrows what tousu can check by content (``EXTENSIONS``, the keys of
``tousu.complaints.attachments.TYPES``; a test keeps the two equal) — and, if useful, a smaller
size limit per kind than the installation's ``TOUSU_ATTACHMENT_MAX_BYTES``.

``tousu.complaints.attachments`` applies it to every file, whoever sends it: staff through the web
or the API, the complainant through the portal, the mail gateway's attachments.
"""

from __future__ import annotations

import typing
from typing import Literal

from pydantic import Field, PositiveInt, model_validator

from tousu.presets.fields import SourceText, Strict, gettext_noop

Extension = Literal[
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".txt",
    ".mp3",
    ".wav",
    ".amr",
    ".m4a",
    ".mp4",
]
Kind = Literal["image", "document", "audio", "video"]
KINDS: dict[str, tuple[str, ...]] = {
    "image": (".jpg", ".jpeg", ".png", ".gif"),
    "document": (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".txt"),
    "audio": (".mp3", ".wav", ".amr", ".m4a"),
    "video": (".mp4",),
}
EXTENSIONS: tuple[Extension, ...] = typing.get_args(Extension)
KIND_LABELS = {
    "image": gettext_noop("图片"),
    "document": gettext_noop("文档"),
    "audio": gettext_noop("录音"),
    "video": gettext_noop("视频"),
}


def kind_of(extension: str) -> str:
    return next(kind for kind, group in KINDS.items() if extension in group)


class Uploads(Strict):
    allowed: tuple[Extension, ...] = Field(default=EXTENSIONS, min_length=1)
    # Megabytes per kind; a kind not named has the installation's limit, and no kind exceeds it.
    max_mb: dict[Kind, PositiveInt] = Field(default_factory=dict)
    source: SourceText = ""

    @model_validator(mode="after")
    def _distinct(self) -> Uploads:
        if len(set(self.allowed)) != len(self.allowed):
            raise ValueError("allowed: an extension is listed twice")
        unused = sorted(k for k in self.max_mb if not any(e in self.allowed for e in KINDS[k]))
        if unused:
            raise ValueError(f"max_mb: no allowed extension is of kind {', '.join(unused)}")
        return self

    def limit(self, extension: str, installation: int) -> int:
        """The size limit in bytes for a file with ``extension``: the kind's, if the preset sets one
        below the installation's limit ``installation``, else the installation's."""
        mb = self.max_mb.get(kind_of(extension))  # type: ignore[call-overload]
        return min(installation, mb * 1048576) if mb else installation
