"""One message in, one outcome out (SPEC §8): a new complaint registered by the gateway's user, or
material added to the complaint whose number the subject carries. ``tousu mail-in`` (an MTA's
pipe) and the IMAP poller both come through ``receive``.

Every write goes through the complaint services (``intake.register``, ``attachments.add``), so
each is checked and audited as a clerk's would be. A message is remembered by its Message-ID
(``MailMessage``) before it is handled, so the same message delivered twice — an MTA's retry, or
the pipe and the mailbox both — registers once; a second process that meets a message still
being handled answers "busy", and the MTA tries again later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError

from tousu.accounts.models import Role, Scope, User
from tousu.complaints import attachments
from tousu.complaints.inputs import Attach, ComplainantSchema, RegisterIn
from tousu.complaints.models import Complaint
from tousu.complaints.services import intake
from tousu.complaints.states import Status
from tousu.core.crypto import email_index
from tousu.core.errors import TousuError
from tousu.mailgate import outgoing
from tousu.mailgate.models import MailMessage
from tousu.mailgate.parsing import File, Mail, Unreadable, parse

USERNAME = "mailgate"  # created by migration 0002_gateway_user
# A message still "pending" after this long was abandoned by a process that died: take it over.
STALE = dt.timedelta(minutes=10)
# The longest content a complaint holds (RegisterIn.content); a longer text is kept whole as a file.
CONTENT_MAX = 20000
# "Re:", "回复：", "Fwd:" … before the subject of a reply or a forward.
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|wg|回复|答复|转发)\s*[:：]\s*|\[[^\]]{0,20}\]\s*)+", re.IGNORECASE)

Outcome = MailMessage.Outcome


class Refused(Exception):
    """The message is not accepted (the MTA should bounce it: EX_DATAERR); ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Busy(Exception):
    """Another process is handling the same message right now; try again later (EX_TEMPFAIL)."""


@dataclass(frozen=True)
class Received:
    """What became of a message: its outcome, the complaint's number, a sentence for the log, the
    files left out and why; ``duplicate`` when it had been handled before."""

    outcome: str
    number: str
    message: str
    warnings: tuple[str, ...] = ()
    duplicate: bool = False


@dataclass
class _Work:
    mail: Mail
    warnings: list[str] = field(default_factory=list)


def gateway_user() -> User:
    """The gateway's user (migration 0002_gateway_user); made again if it was removed since — a
    flushed test database, an administrator's slip — with no usable password."""
    user, created = User.objects.get_or_create(
        username=USERNAME,
        defaults={"display_name": "电子邮件网关", "role": Role.CLERK, "scope": Scope.ALL, "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def number_in(subject: str) -> str | None:
    """The complaint number a subject carries (TS + 10 digits, full-width forms included)."""
    prefix = re.escape(settings.TOUSU_NUMBER_PREFIX)
    found = re.search(rf"(?<![A-Za-z0-9]){prefix}(\d{{10}})(?!\d)", unicodedata.normalize("NFKC", subject), re.I)
    return f"{settings.TOUSU_NUMBER_PREFIX}{found.group(1)}" if found else None


def summary_of(subject: str) -> str:
    """The subject without the "Re:"/"回复：" of replies and forwards."""
    return _REPLY_PREFIX.sub("", subject).strip()[:200]


def receive(raw: bytes, *, source: str, keep_refusals: bool = False) -> Received:
    """Handle one message. Raises ``Refused`` (not accepted, nothing written — unless
    ``keep_refusals``, where the refusal is recorded, as the poller does for a message it leaves
    in the mailbox) or ``Busy``; any other exception is a failure recorded for a retry."""
    try:
        mail = parse(raw)
    except Unreadable as err:
        if keep_refusals:
            key = "sha256:" + hashlib.sha256(raw).hexdigest()
            MailMessage.objects.update_or_create(
                message_id=key,
                defaults={"source": source, "outcome": Outcome.REFUSED, "detail": err.message, "sha256": key[7:]},
            )
        raise Refused(err.message) from None
    row, earlier = _claim(mail, source)
    if earlier is not None:
        return earlier
    work = _Work(mail)
    try:
        received = _handle(work)
    except (TousuError, Refused, ValidationError) as err:
        message = (
            err.message
            if isinstance(err, (TousuError, Refused))
            else _("邮件内容不符合登记要求：%(e)s") % {"e": "; ".join(str(e["msg"]) for e in err.errors()[:3])}
        )
        if keep_refusals:
            _settle(row, Outcome.REFUSED, detail=message)
        else:
            row.delete()
        raise Refused(message) from None
    except BaseException as err:
        _settle(row, Outcome.FAILED, detail=f"{type(err).__name__}: {err}"[:2000])
        raise
    _settle(row, received.outcome, number=received.number, detail="\n".join(received.warnings))
    return received


# -- remembering messages -----------------------------------------------------------------------
def _claim(mail: Mail, source: str) -> tuple[MailMessage, Received | None]:
    """Take the message's row, or answer what became of it before."""
    key = mail.message_id or f"sha256:{mail.digest}"
    for _attempt in range(2):
        try:
            with transaction.atomic():
                row = MailMessage.objects.create(
                    message_id=key,
                    source=source,
                    sender=mail.sender,
                    subject=mail.subject[:255],
                    sha256=mail.digest,
                )
            return row, None
        except IntegrityError:
            pass
        row = MailMessage.objects.get(message_id=key)
        if row.sha256 != mail.digest and not key.endswith(mail.digest[:16]):
            # Another message under the same Message-ID (some mailers reuse one): a message of its own.
            key = f"{key[:200]}#{mail.digest[:16]}"
            continue
        break
    if row.outcome in (Outcome.REGISTERED, Outcome.APPENDED, Outcome.IGNORED):
        return row, Received(
            row.outcome,
            row.number,
            _("该邮件已处理过（%(outcome)s %(number)s），不再重复登记。")
            % {"outcome": row.get_outcome_display(), "number": row.number},
            duplicate=True,
        )
    now = timezone.now()
    if row.outcome == Outcome.PENDING and row.updated_at > now - STALE:
        raise Busy(_("该邮件正在处理中，请稍后再试。"))
    # Failed, refused or abandoned: taken over by one process only (update where unchanged).
    taken = MailMessage.objects.filter(pk=row.pk, updated_at=row.updated_at, outcome=row.outcome).update(
        outcome=Outcome.PENDING, attempts=F("attempts") + 1, updated_at=now, source=source
    )
    if not taken:
        raise Busy(_("该邮件正在处理中，请稍后再试。"))
    row.refresh_from_db()
    return row, None


def _settle(row: MailMessage, outcome: str, *, number: str = "", detail: str = "") -> None:
    row.outcome, row.detail = outcome, detail
    if number:
        row.number = number
        row.complaint = Complaint.objects.filter(number=number).first()
    row.save()


# -- handling -----------------------------------------------------------------------------------
def _handle(work: _Work) -> Received:
    mail = work.mail
    if mail.automatic:
        return Received(Outcome.IGNORED, "", _("自动回复、退信或群发邮件，不予登记。"))
    number = number_in(mail.subject)
    complaint = _replied_to(number, work) if number else None
    if complaint is not None:
        return _append(work, complaint)
    return _register(work, mentioned=number)


def _replied_to(number: str, work: _Work) -> Complaint | None:
    """The complaint a reply attaches to: it exists, is not archived, and the sender is one of its
    complainants or a member of staff. Otherwise the message is a new complaint, and says why."""
    complaint = Complaint.objects.filter(number=number).first()
    if complaint is None:
        work.warnings.append(_("主题中的投诉编号%(number)s不存在，按新投诉登记。") % {"number": number})
        return None
    if complaint.status == Status.ARCHIVED:
        work.warnings.append(_("投诉件%(number)s已归档，来信按新投诉登记。") % {"number": number})
        return None
    sender = work.mail.sender.lower()
    # The complainants' e-mail addresses are encrypted: compared through their keyed index.
    index = email_index(sender)
    complainant = bool(index) and complaint.complainants.filter(email_index=index).exists()
    staff = User.objects.filter(email__iexact=sender, is_active=True).exclude(username=USERNAME).exists()
    if not complainant and not staff:
        work.warnings.append(
            _("发件人不是投诉件%(number)s的投诉人，来信按新投诉登记。") % {"number": number},
        )
        return None
    return complaint


def _body_and_files(work: _Work) -> tuple[str, list[File]]:
    """The text for the complaint and the files to keep; a text too long for the record is cut,
    and kept whole as a file."""
    text, files = work.mail.text, list(work.mail.files)
    if len(text) > CONTENT_MAX:
        files.insert(0, File(_("邮件正文.txt"), text.encode("utf-8")))
        note = _("……（正文过长，全文见附件「邮件正文.txt」）")
        text = text[: CONTENT_MAX - len(note)] + note
    return text, files


def _register(work: _Work, *, mentioned: str | None) -> Received:
    mail = work.mail
    actor = gateway_user()
    text, files = _body_and_files(work)
    if mentioned:
        text = _("（来信主题引用投诉编号%(number)s。）") % {"number": mentioned} + "\n" + text
    data = RegisterIn(
        channel="email",
        summary=summary_of(mail.subject),
        content=text or _("（邮件无正文，见附件。）"),
        complainants=[
            ComplainantSchema(name=mail.sender_name or mail.sender[:100], email=mail.sender, preferred_reply="email")
        ],
    )
    registered = intake.register(actor=actor, data=data)
    number = registered.complaint.number
    _keep(work, actor, number, files, _("随电子邮件提交的附件"))
    sent = outgoing.acknowledge(
        to=mail.sender,
        number=number,
        query_code=registered.query_code,
        in_reply_to=mail.message_id,
        appended=False,
    )
    if not sent:
        work.warnings.append(_("登记确认邮件暂未发出，系统将自动重试。"))
    return Received(
        Outcome.REGISTERED,
        number,
        _("已登记为投诉件%(number)s。") % {"number": number},
        tuple(work.warnings),
    )


def _append(work: _Work, complaint: Complaint) -> Received:
    """The reply's text as a file, then its attachments: each an audited ``attach`` event."""
    mail = work.mail
    actor = gateway_user()
    text, files = _body_and_files(work)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    body = _("主题：%(subject)s\n发件人：%(name)s <%(sender)s>\n\n%(text)s") % {
        "subject": mail.subject,
        "name": mail.sender_name,
        "sender": mail.sender,
        "text": text,
    }
    files.insert(0, File(_("来信正文-%(stamp)s.txt") % {"stamp": stamp}, body.encode("utf-8")))
    kept = _keep(work, actor, complaint.number, files, _("电子邮件补充材料"))
    if not kept:
        raise Refused(_("补充材料未能保存：%(why)s") % {"why": "；".join(work.warnings)})
    outgoing.acknowledge(
        to=mail.sender, number=complaint.number, query_code=None, in_reply_to=mail.message_id, appended=True
    )
    return Received(
        Outcome.APPENDED,
        complaint.number,
        _("已作为补充材料附入投诉件%(number)s（%(n)d个文件）。") % {"number": complaint.number, "n": kept},
        tuple(work.warnings),
    )


def _keep(work: _Work, actor: User, number: str, files: list[File], what: str) -> int:
    """Store each file as an upload would be (type, size and content checked); a refused file is
    left out and named in the warnings. Returns how many were kept."""
    kept = 0
    note = _("%(what)s（发件人 %(sender)s）") % {"what": what, "sender": work.mail.sender}
    for f in files:
        try:
            attachments.add(actor=actor, number=number, data=Attach(name=f.name, content=f.content, note=note[:500]))
            kept += 1
        except TousuError as err:
            work.warnings.append(
                _("附件「%(name)s」未保存：%(why)s") % {"name": f.name, "why": getattr(err, "message", str(err))}
            )
    return kept
