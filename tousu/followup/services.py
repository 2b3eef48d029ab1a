"""The reply as given and the return visits (SPEC §9, issue 14), written inside the lifecycle's
services (``complaints.services.closing``, ``intake.resolve_on_spot``) so they share their
transaction and their event: these functions check their part of the input, write the rows and
return what the event records.

- A reply names its method; an oral reply names who gave it (seed 001-53: the QA or technical head),
  a written reply carries a letter made for the complaint (the latest unless one is named), an SMS
  goes to a mainland mobile with the complaint's number and a new query code (seed 004-74:
  「已通过短信平台将查询编号和密码发送到您的手机」).
- A visit is one attempt: when, how (the preset's ``aftercare.methods``), with what outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.complaints.inputs import FollowUp, Reply
from tousu.complaints.models import Complaint, ReplyMethod, Satisfaction
from tousu.complaints.numbering import hash_query_code, new_query_code
from tousu.complaints.preset import active
from tousu.core import identifiers
from tousu.core.crypto import mask_phone, normalize_phone
from tousu.core.errors import ValidationFailed
from tousu.followup.models import ReplyRecord, Visit
from tousu.letters.models import Letter


@dataclass(frozen=True)
class Given:
    """What a recorded reply adds to its event, and the SMS to send (with the new query code,
    shown once to the one who sends it; only its hash is stored)."""

    payload: dict[str, Any]
    sms_text: str = ""


def _when(value: dt.datetime | None, complaint: Complaint, field: str, after: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    when = value or now
    if when > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("时间不能晚于现在"), field=field)
    if after is not None and when < after:
        raise ValidationFailed(
            _("时间不能早于%(when)s") % {"when": timezone.localtime(after).strftime("%Y-%m-%d %H:%M")}, field=field
        )
    return when


def _letter(actor: User, complaint: Complaint, pk: int | None) -> tuple[Letter, dict[str, Any] | None]:
    """The letter a written reply sends: the one named, else the latest reply letter made for the
    complaint, else one made now from the library (with what its making records)."""
    letters = Letter.objects.filter(complaint=complaint)
    if pk is not None:
        named = letters.filter(pk=pk).first()
        if named is None:
            raise ValidationFailed(_("文书不存在或不属于本投诉件"), field="letter")
        return named, None
    latest = letters.filter(template="reply").order_by("-created_at", "-pk").first()
    if latest is not None:
        return latest, None
    from tousu.letters.services import reply_letter

    return reply_letter(actor, complaint)


def _sms_number(complaint: Complaint, typed: str) -> str:
    number = typed.strip()
    if not number:
        first = complaint.complainants.order_by("pk").first()
        number = first.phone if first is not None else ""
        if not number:
            raise ValidationFailed(_("投诉人未留手机号，请填写短信接收号码"), field="sms_to")
    digits = normalize_phone(number)
    if not (len(digits) == 11 and digits.startswith("1") and digits[1] in "3456789"):
        raise ValidationFailed(_("短信接收号码须为11位手机号"), field="sms_to")
    try:
        identifiers.check_phone(number)
    except identifiers.InvalidIdentifier as err:
        raise ValidationFailed(err.message, field="sms_to") from None
    return digits


def _sender() -> str:
    """The SMS's signature: the letters' signatory, or the centre's name."""
    centre = Unit.objects.filter(is_center=True).order_by("path").first()
    return active().letters.signatory or (centre.name if centre else active().title)


def reply_time(complaint: Complaint, typed: dt.datetime | None) -> dt.datetime:
    """When the reply was given: as typed (a call made before it was recorded), not in the future
    nor before the complaint was received; none typed is now."""
    return _when(typed, complaint, "replied_at", complaint.received_at)


def record_reply(complaint: Complaint, *, actor: User, method: str, text: str, data: Reply | None = None) -> Given:
    """Write the reply's record, given at ``complaint.replied_at`` (``reply_time``); ``data`` is
    absent for a reply given at intake (当场办结)."""
    given_by = (data.given_by if data else "").strip()
    if method == ReplyMethod.ORAL and not given_by:
        raise ValidationFailed(_("口头答复须写明答复人的姓名及职务"), field="given_by")
    letter, made = None, None
    if method == ReplyMethod.LETTER and data is not None:
        letter, made = _letter(actor, complaint, data.letter)
    elif data is not None and data.letter is not None:
        raise ValidationFailed(_("只有书面函件答复才附文书"), field="letter")
    replied_at = complaint.replied_at or timezone.now()
    sent_to, sms_text = "", ""
    if method == ReplyMethod.SMS:
        digits = _sms_number(complaint, data.sms_to if data else "")
        sent_to = mask_phone(digits)
        code = new_query_code()
        complaint.query_code_hash = hash_query_code(complaint.number, code)
        sms_text = _(
            "【%(unit)s】您的投诉（编号%(number)s）已答复：%(text)s 查询编号%(number)s，查询密码%(code)s。"
        ) % {
            "unit": _sender(),
            "number": complaint.number,
            "text": text,
            "code": code,
        }
    elif data is not None and data.sms_to.strip():
        raise ValidationFailed(_("只有短信答复才填写短信接收号码"), field="sms_to")
    record = ReplyRecord.objects.create(
        complaint=complaint,
        method=method,
        text=text,
        letter=letter,
        given_by=given_by or str(actor),
        sent_to=sent_to,
        query_code_sent=bool(sms_text),
        replied_at=replied_at,
        recorded_by=actor,
    )
    payload: dict[str, Any] = {"given_by": record.given_by, "replied_at": replied_at}
    if letter is not None:
        payload["letter"] = letter.reference
        if made is not None:  # made with the reply: its making is on this event
            payload["letter_made"] = made
    if sent_to:
        payload |= {"sent_to": sent_to, "query_code_sent": True}
    return Given(payload, sms_text)


def visit_method(typed: str) -> str:
    """The preset's return-visit methods; none typed is the first of them (usually 电话)."""
    methods = active().aftercare.methods
    method = typed or methods[0]
    if method not in methods:
        labels = "、".join(str(ReplyMethod(m).label) for m in methods)
        raise ValidationFailed(_("回访方式须为：%(methods)s") % {"methods": labels}, field="method")
    return method


def record_visit(complaint: Complaint, *, actor: User, data: FollowUp) -> Visit:
    """One attempt, numbered in turn."""
    method = visit_method(data.method)
    visited_at = _when(data.visited_at, complaint, "visited_at", complaint.replied_at)
    done = Visit.objects.filter(complaint=complaint).count()
    return Visit.objects.create(
        complaint=complaint,
        attempt=done + 1,
        method=method,
        outcome=data.satisfaction,
        note=data.note.strip(),
        visited_at=visited_at,
        by=actor,
    )


def unsatisfied_before(complaint: Complaint) -> int:
    """Unsatisfied visits recorded so far: a second one after re-handling escalates (seed 001-30)."""
    return Visit.objects.filter(complaint=complaint, outcome=Satisfaction.UNSATISFIED).count()
