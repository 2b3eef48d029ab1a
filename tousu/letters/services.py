"""Making a letter: filled from the library, numbered, kept, and on the complaint's record."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import User
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.complaints.services.common import begin, finish
from tousu.core.errors import ValidationFailed
from tousu.letters import library
from tousu.letters.models import Letter, LetterSequence


class LetterIn(Input):
    """Which letter, and the parts the author rewrote (empty or absent: as the template fills it)."""

    template: str = Field(max_length=60, description="文书模板代码，如 reply、decline.C_litigation")
    title: str | None = Field(None, max_length=100)
    addressee: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=20000, description="正文，每段一行")


def _serial(year: int) -> int:
    """The next 文号 serial of ``year``, under the sequence row's lock."""
    LetterSequence.objects.get_or_create(year=year)
    row = LetterSequence.objects.select_for_update().get(year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def _own(value: str | None, field: str, label: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())
    if field != "body" and "\n" in text:
        raise ValidationFailed(_("%(label)s只能写一行") % {"label": label}, field=field)
    return text


@transaction.atomic(durable=True)
def make_letter(*, actor: User, number: str, data: LetterIn) -> Letter:
    """Make the letter ``data.template`` for complaint ``number``: 404 outside the actor's scope,
    400 for an unknown template, 403 for a letter the actor may not make, 409 for an archived case
    or one whose history lacks what the letter tells. Text the author writes in is scrubbed as the
    filled text is, where the letter is made redacted."""
    complaint, before = begin(actor, number, "make_letter", data)
    letter, payload = write(actor, complaint, data)
    finish(
        complaint,
        actor=actor,
        action="make_letter",
        before=before,
        note=f"{letter.reference} {letter.title}",
        payload=payload,
    )
    return letter


def write(actor: User, complaint: Complaint, data: LetterIn) -> tuple[Letter, dict[str, Any]]:
    """Fill, number and store the letter ``data.template``, if ``actor`` may make it now (the caller
    writes the event): the letter and what its event records. The digest ties the kept text to the
    audited record: a letter edited afterwards no longer matches."""
    choice = library.find(data.template.strip())
    refused = library.refusal(actor, complaint, choice)
    if refused is not None:
        raise refused
    today = timezone.localdate()
    made = library.draft(actor, complaint, choice, today=today)
    edits = {
        "title": _own(data.title, "title", _("标题")),
        "addressee": _own(data.addressee, "addressee", _("主送")),
        "body": _own(data.body, "body", _("正文")),
    }
    made.update({k: v for k, v in edits.items() if v is not None})  # type: ignore[typeddict-item]
    if made["redacted"]:
        made = library.scrub(complaint, made)
    edited = sorted(k for k, v in edits.items() if v is not None)
    serial = _serial(today.year)
    letter = Letter.objects.create(
        complaint=complaint,
        template=choice.code,
        title=made["title"],
        year=today.year,
        serial=serial,
        reference=f"{choice.template.prefix}〔{today.year}〕{serial}号",
        addressee=made["addressee"],
        body=made["body"],
        issuer=made["issuer"],
        issued_on=today,
        redacted=made["redacted"],
        created_by=actor,
    )
    digest = hashlib.sha256(
        "\n".join([letter.reference, letter.title, letter.addressee, letter.body]).encode()
    ).hexdigest()
    return letter, {
        "letter": letter.pk,
        "template": choice.code,
        "reference": letter.reference,
        "redacted": letter.redacted,
        "edited": edited,
        "sha256": digest,
    }


def reply_letter(actor: User, complaint: Complaint) -> tuple[Letter, dict[str, Any]]:
    """The reply letter (答复意见书) made with a written reply that has none yet, inside the reply's
    transaction and on its event (``complaints.services.closing.reply``)."""
    return write(actor, complaint, LetterIn(template="reply"))
