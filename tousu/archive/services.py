"""Building a complaint's archive file: a zip of the dossier, the letters, the attachments the
reader may see and ``manifest.json``, written to a file (never held whole in memory with the
attachments: they are copied in from disk one by one).

Who may export: whoever may read the complaint (``access_complaint``: 404 otherwise), in any
state. The export is an audited read: an ``export_archive`` event on the complaint's own
hash-chained history (the action table's row, allowed on an archived complaint by
``services.common.READS``), so whoever reads the case later sees who took a copy of it and when,
in the same tamper-evident record as every change; the administration log is for changes to the
organisation, not for reading cases."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypedDict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tousu.accounts.models import User
from tousu.archive import dossier
from tousu.complaints.access import access_complaint
from tousu.complaints.confidentiality import scrubber_for, sees_identity
from tousu.complaints.models import Attachment, Complaint
from tousu.complaints.selectors import complaint_detail, complaint_events
from tousu.complaints.services.common import finish
from tousu.core.redaction import Scrubber
from tousu.letters import render
from tousu.letters.selectors import file_name, letters_of

# Attachments whose bytes are text: in the redacted view a released one is still withheld if the
# complainant's identity appears in it (the release vouched for the file, the scrubber checks it).
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
CHUNK = 1 << 20


class FileEntry(TypedDict):
    name: str
    kind: str  # dossier, letter, attachment
    size: int
    sha256: str


class Withheld(TypedDict):
    kind: str
    id: int
    reason: str


class Manifest(TypedDict):
    number: str
    exported_by: str
    exported_by_name: str
    exported_at: str
    redacted: bool
    files: list[FileEntry]
    withheld: list[Withheld]


@dataclass
class _Zip:
    archive: zipfile.ZipFile
    files: list[FileEntry] = field(default_factory=list)

    def add(self, name: str, kind: str, content: bytes) -> None:
        self.archive.writestr(name, content)
        self.files.append(
            {"name": name, "kind": kind, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        )

    def add_file(self, name: str, kind: str, path: Path) -> None:
        digest, size = hashlib.sha256(), 0
        with path.open("rb") as src, self.archive.open(name, "w", force_zip64=True) as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
        self.files.append({"name": name, "kind": kind, "size": size, "sha256": digest.hexdigest()})


def safe_name(text: str, limit: int = 80) -> str:
    """A name any file system and zip tool takes: no separators, no control characters."""
    cleaned = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in text).strip(". ")
    return cleaned[:limit] or "_"


@transaction.atomic(durable=True)
def _audit(actor: User, number: str) -> Complaint:
    """The export on record (an event ``export_archive``), before anything is read: a copy taken
    is on the history even if building the file fails afterwards."""
    complaint = access_complaint(actor, number, for_update=True)
    return finish(complaint, actor=actor, action="export_archive", before=complaint.status)


def _attachments(
    actor: User, c: Complaint, detail: dict[str, Any], redacted: bool, scrub: Scrubber
) -> tuple[list[tuple[Attachment, str, Path]], list[dict[str, Any]], list[Withheld]]:
    """The attachments to copy in (row, name in the zip, path), their dossier rows, and those
    withheld: in the redacted view the unreleased ones and text files naming the complainant;
    for anyone a file missing from disk."""
    shown = {a["id"]: a for a in detail["attachments"]}  # the selector's choice and its names
    taken: list[tuple[Attachment, str, Path]] = []
    rows: list[dict[str, Any]] = []
    withheld: list[Withheld] = []
    for a in c.attachments.order_by("id"):
        path = Path(settings.MEDIA_ROOT) / a.stored_name
        if a.id not in shown:
            withheld.append({"kind": "attachment", "id": a.id, "reason": "not_released"})
            continue
        if not path.is_file():
            withheld.append({"kind": "attachment", "id": a.id, "reason": "missing"})
            continue
        if redacted and a.content_type in TEXT_TYPES:
            text = path.read_bytes().decode("utf-8", errors="replace")
            if scrub(text) != text:
                withheld.append({"kind": "attachment", "id": a.id, "reason": "holds_identity"})
                continue
        name = shown[a.id]["name"]
        if redacted:
            name = scrub(name)
        taken.append((a, f"attachments/{a.id}-{safe_name(name)}", path))
        rows.append({**shown[a.id], "name": name})
    return taken, rows, withheld


def export(*, actor: User, number: str, out: BinaryIO) -> Manifest:
    """Write the archive file of complaint ``number`` as ``actor`` may see it to ``out`` (a file
    opened for binary writing); returns its manifest. NotFound outside the actor's scope."""
    from tousu.replycheck.models import DemandItem

    _audit(actor, number)
    c = access_complaint(actor, number)
    redacted = not sees_identity(actor, c)
    scrub = scrubber_for(c)
    detail: dict[str, Any] = dict(complaint_detail(actor, c))
    states = dict(DemandItem.State.choices)
    detail["demand_items"] = [{**i, "state_label": states.get(i["state"], i["state"])} for i in detail["demand_items"]]
    events = complaint_events(actor, c)
    letters = letters_of(actor, number)
    taken, attachment_rows, withheld = _attachments(actor, c, detail, redacted, scrub)
    at = timezone.localtime()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        z = _Zip(archive)
        z.add(
            f"{c.number}-dossier.pdf",
            "dossier",
            dossier.render(
                c=c,
                detail=detail,
                events=events,
                letters=letters,
                attachments=attachment_rows,
                withheld=len(withheld),
                reader=actor,
                redacted=redacted,
                exported_at=at.strftime("%Y-%m-%d %H:%M"),
            ),
        )
        for row in letters:
            name = file_name(row, "pdf")
            z.add(f"letters/{row['id']}-{safe_name(scrub(name) if redacted else name, 120)}", "letter", render.pdf(row))
        for _a, name, path in taken:
            z.add_file(name, "attachment", path)
        manifest: Manifest = {
            "number": c.number,
            "exported_by": actor.username,
            "exported_by_name": str(actor),
            "exported_at": at.isoformat(),
            "redacted": redacted,
            "files": z.files,
            "withheld": withheld,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def export_to_temp(*, actor: User, number: str) -> tuple[BinaryIO, Manifest]:
    """``export`` into a temporary file (deleted once closed), rewound for reading: what the web
    and the API stream back."""
    tmp = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115  (the response closes it)
    try:
        manifest = export(actor=actor, number=number, out=tmp)
    except BaseException:
        tmp.close()
        raise
    tmp.seek(0)
    return tmp, manifest


def zip_name(number: str) -> str:
    return f"{safe_name(number, 40)}-archive.zip"
