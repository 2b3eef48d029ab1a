"""Letters as a reader may see them: a reader who does not see the complainant's identity gets
every letter of the case scrubbed, whatever it was made as (SPEC §7)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from typing_extensions import TypedDict

from tousu.accounts.models import User
from tousu.complaints.access import access_complaint
from tousu.complaints.confidentiality import sees_identity
from tousu.complaints.letters import chinese_date
from tousu.complaints.models import Complaint
from tousu.core.errors import NotFound
from tousu.letters import library
from tousu.letters.models import Letter


class LetterRow(TypedDict):
    id: int
    number: str
    template: str
    title: str
    reference: str
    addressee: str
    body: str
    issuer: str
    date: str  # 2026年12月1日, as the letter prints it
    issued_on: str  # ISO date
    redacted: bool
    created_by: str
    created_at: str


def _row(reader: User, c: Complaint, letter: Letter) -> LetterRow:
    parts: library.Draft = {
        "title": letter.title,
        "addressee": letter.addressee,
        "body": letter.body,
        "issuer": letter.issuer,
        "redacted": letter.redacted,
    }
    if not letter.redacted and not sees_identity(reader, c):
        parts = library.scrub(c, parts)
    return {
        "id": letter.pk,
        "number": c.number,
        "template": letter.template,
        "title": parts["title"],
        "reference": letter.reference,
        "addressee": parts["addressee"],
        "body": parts["body"],
        "issuer": parts["issuer"],
        "date": chinese_date(letter.issued_on),
        "issued_on": letter.issued_on.isoformat(),
        "redacted": parts["redacted"],
        "created_by": str(letter.created_by),
        "created_at": timezone.localtime(letter.created_at).isoformat(),
    }


def letters_of(reader: User, number: str) -> list[LetterRow]:
    """The complaint's letters, oldest first; NotFound outside the reader's scope."""
    c = access_complaint(reader, number)
    return [_row(reader, c, x) for x in Letter.objects.filter(complaint=c).select_related("created_by").order_by("id")]


def letter_of(reader: User, number: str, letter_id: int) -> LetterRow:
    c = access_complaint(reader, number)
    if not 0 < letter_id < 2**63:  # a database integer, or no letter at all
        raise NotFound(_("投诉件 %(number)s 没有这份文书") % {"number": number}, letter=letter_id)
    letter = Letter.objects.filter(complaint=c, pk=letter_id).select_related("created_by").first()
    if letter is None:
        raise NotFound(_("投诉件 %(number)s 没有这份文书") % {"number": number}, letter=letter_id)
    return _row(reader, c, letter)


def file_name(row: LetterRow, ext: str) -> str:
    """The download's name: 文号 and title, without characters no file system takes."""
    name = f"{row['reference']}{row['title']}"
    return "".join("_" if ch in '\\/:*?"<>|\r\n\t' else ch for ch in name)[:120] + f".{ext}"
