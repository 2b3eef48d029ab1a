"""Register, accept, decline, resolve on the spot, convert, withdraw, merge, attach (SPEC §5, §8)."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, Unit, User
from tousu.complaints import deadlines
from tousu.complaints.access import access_complaint
from tousu.complaints.events import record_event
from tousu.complaints.models import (
    Category, Channel, Complainant, Complaint, Grade, Kind, NumberSequence, ReasonCode, ReplyMethod,
    Respondent, Validity, WRITTEN_CHANNELS, WRITTEN_REPLY_METHODS,
)
from tousu.complaints.services.common import (
    begin, choice, finish, in_calendar, refresh_due_at, require, set_due,
)
from tousu.complaints.states import OPEN, Status
from tousu.core.crypto import blind_index, normalize_phone
from tousu.core.errors import NotPermitted, ValidationFailed

MAX_REPRESENTATIVES = 5  # 走访代表不超过5人 (SPEC §4)
REPEAT_WINDOW_DAYS = 30
FLAGS = ("media", "litigation", "injury", "upgraded", "repeat", "group", "hot", "skip_level", "vip")
ID_NUMBER_RE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
QUERY_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class ComplainantIn:
    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""
    organisation: str = ""
    real_name: bool = True
    preferred_reply: str = ""
    is_representative: bool = False


@dataclass
class RespondentIn:
    unit: str = ""  # unit code
    unit_name: str = ""
    staff: str = ""  # username
    staff_name: str = ""
    product_name: str = ""
    specification: str = ""
    batch: str = ""
    quantity: str = ""
    production_date: dt.date | None = None
    purchase_place: str = ""
    partner_name: str = ""
    rank: str = ""  # the staff member's rank where routing depends on it (e.g. county_managed)


@dataclass
class Registration:
    channel: str
    content: str = ""
    summary: str = ""
    kind: str = Kind.COMPLAINT
    received_at: dt.datetime | None = None
    demands: str = ""
    occurred_at: dt.datetime | None = None
    place: str = ""
    amount: Decimal | None = None
    anonymous: bool = False
    complainants: list[ComplainantIn] = field(default_factory=list)
    respondents: list[RespondentIn] = field(default_factory=list)
    category: str = ""
    grade: str = ""
    upgraded_source: str = ""
    flags: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def _hash_query_code(number: str, code: str) -> str:
    return hashlib.sha256(f"{number}:{code}".encode()).hexdigest()


def check_query_code(complaint: Complaint, code: str) -> bool:
    return secrets.compare_digest(complaint.query_code_hash, _hash_query_code(complaint.number, code.upper()))


def _next_number(year: int) -> str:
    """Gap-free per year: the sequence row is locked until the registration commits."""
    NumberSequence.objects.bulk_create([NumberSequence(year=year, last=0)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    from django.conf import settings

    return f"{settings.TOUSU_NUMBER_PREFIX}{year}{seq.last:06d}"


def _lookup(model: Any, code: str, field_name: str, label: str) -> Any:
    if not code:
        return None
    obj = model.objects.filter(code=code).first()
    if obj is None:
        raise ValidationFailed(_("未知的%(label)s: %(code)s") % {"label": label, "code": code}, field=field_name)
    return obj


def _validate_complainants(data: Registration) -> None:
    if not data.anonymous and not any(c.name.strip() or c.phone.strip() for c in data.complainants):
        raise ValidationFailed(_("请填写投诉人姓名或电话,或勾选匿名"), field="complainants")
    if sum(1 for c in data.complainants if c.is_representative) > MAX_REPRESENTATIVES:
        raise ValidationFailed(_("群体投诉的代表不超过5人"), field="complainants")
    for i, c in enumerate(data.complainants):
        phone = normalize_phone(c.phone)
        if c.phone.strip() and not 5 <= len(phone) <= 15:
            raise ValidationFailed(_("电话号码格式不正确: %(phone)s") % {"phone": c.phone},
                                   field=f"complainants[{i}].phone")
        if c.id_number.strip() and not ID_NUMBER_RE.match(c.id_number.strip()):
            raise ValidationFailed(_("身份证号格式不正确"), field=f"complainants[{i}].id_number")
        if c.email.strip() and not EMAIL_RE.match(c.email.strip()):
            raise ValidationFailed(_("电子邮件格式不正确"), field=f"complainants[{i}].email")
        if c.preferred_reply:
            choice(c.preferred_reply, ReplyMethod, f"complainants[{i}].preferred_reply")


def _unique_unit(name: str) -> Unit | None:
    """The unit a typed respondent name means, where exactly one unit has that name."""
    name = "".join(name.split())
    found = list(Unit.objects.filter(name=name)[:2]) if name else []
    return found[0] if len(found) == 1 else None


def _unique_staff(name: str, unit: Unit | None) -> User | None:
    """The staff member a typed name means (display name or username), where it is unambiguous —
    within the respondent unit's subtree first, when one is given."""
    name = "".join(name.split())
    if not name:
        return None
    found = list(User.objects.filter(Q(display_name=name) | Q(username=name)).select_related("unit")[:50])
    if len(found) > 1 and unit is not None:
        found = [u for u in found if u.unit_id and u.unit.path.startswith(unit.path)]
    return found[0] if len(found) == 1 else None


def _build_respondents(data: Registration) -> list[Respondent]:
    """The respondent rows. A unit or staff member typed by name only is resolved when the name
    is unambiguous, so that the confidentiality rule and recusal (SPEC §7) know who is complained
    about whichever way the clerk entered it."""
    rows = []
    for i, r in enumerate(data.respondents):
        unit = _lookup(Unit, r.unit, f"respondents[{i}].unit", _("单位")) or _unique_unit(r.unit_name)
        staff = None
        if r.staff:
            staff = User.objects.filter(username=r.staff).first()
            if staff is None:
                raise ValidationFailed(_("未知的人员: %(u)s") % {"u": r.staff}, field=f"respondents[{i}].staff")
        else:
            staff = _unique_staff(r.staff_name, unit)
        row = Respondent(
            unit=unit, unit_name=r.unit_name or (unit.name if unit else ""), staff=staff,
            staff_name=r.staff_name or (str(staff) if staff else ""), product_name=r.product_name,
            specification=r.specification, batch=r.batch, quantity=r.quantity,
            production_date=r.production_date, purchase_place=r.purchase_place, partner_name=r.partner_name,
            rank=r.rank.strip() or None)
        if not str(row).strip("—"):
            raise ValidationFailed(_("被投诉对象至少填写单位、人员、产品或合作方之一"), field=f"respondents[{i}]")
        rows.append(row)
    return rows


def _find_repeat(phones: list[str], received_at: dt.datetime) -> Complaint | None:
    """Same caller within the window: link to the latest earlier complaint (SPEC §8)."""
    indexes = [blind_index(p) for p in phones if p]
    if not indexes:
        return None
    since = received_at - dt.timedelta(days=REPEAT_WINDOW_DAYS)
    latest = (Complainant.objects.filter(phone_index__in=indexes, complaint__received_at__gte=since)
              .order_by("-complaint_id").values("complaint_id")[:1])
    return Complaint.objects.filter(id__in=latest).first()


def refresh_redacted_text(complaint: Complaint, people: Iterable[Any] | None = None) -> None:
    """Set ``summary_redacted`` and ``content_redacted``: the summary and content scrubbed of every
    complainant's identity, which lists and searches show to a redacted viewer (SPEC §7).

    Every change to a complaint's summary, content or complainants must call this before the
    complaint is saved; ``people`` are the complainants as they will be saved (read from the
    database when omitted)."""
    from tousu.core.redaction import Scrubber

    scrub = Scrubber(complaint.complainants.all() if people is None else people)
    complaint.summary_redacted = scrub(complaint.summary)
    complaint.content_redacted = scrub(complaint.content)


@transaction.atomic(durable=True)
def register(*, actor: User, data: Registration) -> Complaint:
    """Register a complaint: number, query code, acceptance due, repeat detection.

    The plain query code is returned once, on ``complaint.query_code``; only its hash is stored.
    """
    if actor.role not in {Role.CLERK, Role.CENTER}:
        raise NotPermitted(_("只有受理员和投诉中心可以登记投诉"), action="register", role=actor.role)
    choice(data.channel, Channel, "channel")
    choice(data.kind, Kind, "kind")
    if not (data.content.strip() or data.summary.strip()):
        raise ValidationFailed(_("请填写投诉内容或摘要"), field="content")
    if len(data.summary) > 200:
        raise ValidationFailed(_("摘要不超过200字"), field="summary")
    _validate_complainants(data)
    respondents = _build_respondents(data)
    category = _lookup(Category, data.category, "category", _("类别"))
    grade = _lookup(Grade, data.grade, "grade", _("等级"))
    unknown = sorted(set(data.flags) - set(FLAGS))
    if unknown:
        raise ValidationFailed(_("未知的标记: %(f)s") % {"f": ", ".join(unknown)}, field="flags", allowed=FLAGS)
    if data.channel == Channel.UPGRADED and not data.upgraded_source.strip():
        raise ValidationFailed(_("上级/监管转办须注明来源"), field="upgraded_source")
    now = timezone.now()
    received_at = data.received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("收到时间不能晚于现在"), field="received_at")
    in_calendar(received_at.date() if timezone.is_naive(received_at) else timezone.localdate(received_at),
                "received_at")

    phones = [normalize_phone(c.phone) for c in data.complainants]
    repeat = _find_repeat(phones, received_at)
    number = _next_number(timezone.localtime(received_at).year)
    code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))
    flags = {f: {"by": actor.username, "rule": None, "at": now.isoformat()} for f in data.flags}
    if data.channel == Channel.UPGRADED:
        flags.setdefault("upgraded", {"by": None, "rule": "channel_upgraded", "at": now.isoformat()})
    if repeat is not None:
        flags.setdefault("repeat", {"by": None, "rule": "same_phone_30_days", "at": now.isoformat()})
    if len(data.complainants) >= 5:
        flags.setdefault("group", {"by": None, "rule": "five_or_more_complainants", "at": now.isoformat()})
    complaint = Complaint(
        number=number, query_code_hash=_hash_query_code(number, code), kind=data.kind, channel=data.channel,
        upgraded_source=data.upgraded_source.strip(), received_at=received_at, registered_by=actor,
        first_owner=actor, anonymous=data.anonymous, summary=data.summary.strip() or data.content.strip()[:60],
        content=data.content.strip(), demands=data.demands.strip(), occurred_at=data.occurred_at,
        place=data.place.strip(), amount=data.amount, category=category, grade=grade, flags=flags,
        extra=data.extra, repeat_of=repeat, upgraded_from=data.upgraded_source.strip(),
    )
    people = [
        Complainant(position=i, name=c.name.strip(), phone=normalize_phone(c.phone),
                    phone_index=blind_index(normalize_phone(c.phone)), email=c.email.strip(),
                    address=c.address.strip(), id_number=c.id_number.strip().upper(),
                    organisation=c.organisation.strip(), real_name=c.real_name,
                    preferred_reply=c.preferred_reply, is_representative=c.is_representative)
        for i, c in enumerate(data.complainants)
    ]
    refresh_redacted_text(complaint, people)
    set_due(complaint, deadlines.ACCEPTANCE, received_at)
    refresh_due_at(complaint)
    complaint.save()
    for person in people:
        person.complaint = complaint
    Complainant.objects.bulk_create(people)
    for r in respondents:
        r.complaint = complaint
    Respondent.objects.bulk_create(respondents)
    record_event(complaint, actor=actor, action="register", payload={
        "channel": complaint.channel, "kind": complaint.kind, "complainants": len(data.complainants),
        "respondents": len(respondents), "flags": sorted(flags), "repeat_of": repeat.number if repeat else None,
        "acceptance_due": complaint.acceptance_due,
    })
    complaint.query_code = code
    complaint.fresh = True  # nothing linked to it yet: readers may skip those queries
    return complaint


@transaction.atomic(durable=True)
def accept(*, actor: User, number: str, version: int, category: str, grade: str,
           agreed_due: dt.date | None = None, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "accept")
    complaint.category = _lookup(Category, require(category, "category", _("请选择类别")), "category", _("类别"))
    complaint.grade = _lookup(Grade, require(grade, "grade", _("请选择等级")), "grade", _("等级"))
    complaint.status = Status.ACCEPTED
    set_due(complaint, deadlines.HANDLING)
    if agreed_due:
        agreed = deadlines.end_of_day(in_calendar(agreed_due, "agreed_due"))
        if complaint.handling_due and agreed > complaint.handling_due:
            raise ValidationFailed(_("约定期限不得晚于法定办理期限 %(due)s") % {
                "due": timezone.localtime(complaint.handling_due).strftime("%Y-%m-%d")}, field="agreed_due")
        if agreed < timezone.now():
            raise ValidationFailed(_("约定期限不能早于今天"), field="agreed_due")
        complaint.agreed_due = agreed
    return finish(complaint, actor=actor, action="accept", before=before, note=note, payload={
        "category": complaint.category.code, "grade": complaint.grade.code,
        "handling_due": complaint.handling_due, "agreed_due": complaint.agreed_due})


@transaction.atomic(durable=True)
def decline(*, actor: User, number: str, version: int, reason: str, reply_text: str = "",
            forwarded_to: str = "", invalid: bool = False, note: str = "") -> Complaint:
    """Decline with a reason code; a signed complaint is told why, and an out-of-scope matter is
    forwarded to the competent body, whose name is recorded (SPEC §5; seed 004 templates A–E)."""
    complaint, before = begin(actor, number, version, "decline")
    code = ReasonCode.objects.filter(group=ReasonCode.Group.DECLINE, code=reason).first()
    if code is None:
        raise ValidationFailed(_("请选择不予受理原因"), field="reason",
                               allowed=list(ReasonCode.objects.filter(group="decline").values_list("code", flat=True)))
    if code.needs_approval and actor.role != Role.CENTER:
        raise NotPermitted(_("此原因的不予受理须经投诉中心批准"), action="decline", reason=reason)
    if code.needs_forward and not forwarded_to.strip():
        raise ValidationFailed(_("不属受理范围的,须写明移送的有权处理机关"), field="forwarded_to")
    text = reply_text.strip() or code.template
    if not complaint.anonymous and not text:
        raise ValidationFailed(_("须告知投诉人不予受理的理由"), field="reply_text")
    complaint.status = Status.DECLINED
    complaint.decline_reason, complaint.decline_text = code.code, text
    complaint.forwarded_to = forwarded_to.strip()
    if invalid:
        complaint.validity, complaint.validity_reason = Validity.INVALID, code.name
    set_due(complaint, deadlines.REVIEW_WINDOW)
    return finish(complaint, actor=actor, action="decline", before=before, note=note, payload={
        "reason": code.code, "forwarded_to": complaint.forwarded_to, "told": bool(text),
        "validity": complaint.validity})


def _written_reply_check(complaint: Complaint, method: str) -> None:
    if complaint.channel in WRITTEN_CHANNELS and method not in WRITTEN_REPLY_METHODS:
        raise ValidationFailed(_("书面投诉须书面答复(书面函件或电子邮件)"), field="reply_method")


@transaction.atomic(durable=True)
def resolve_on_spot(*, actor: User, number: str, version: int, solution: str, reply_method: str,
                    reply_text: str, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "resolve_on_spot")
    complaint.solution = require(solution, "solution", _("请填写处理意见"))
    complaint.reply_method = choice(reply_method, ReplyMethod, "reply_method")
    _written_reply_check(complaint, reply_method)
    complaint.reply_text = require(reply_text, "reply_text", _("请填写答复内容"))
    complaint.replied_at = timezone.now()
    complaint.status = Status.REPLIED
    set_due(complaint, deadlines.FOLLOW_UP)
    return finish(complaint, actor=actor, action="resolve_on_spot", before=before, note=note,
                  payload={"reply_method": reply_method, "followup_due": complaint.followup_due})


@transaction.atomic(durable=True)
def convert(*, actor: User, number: str, version: int, reason: str) -> Complaint:
    """An inquiry, look-up or fault report becomes a complaint; its history stays, and the
    complaint deadlines start now."""
    complaint, before = begin(actor, number, version, "convert")
    old_kind = complaint.kind
    complaint.kind = Kind.COMPLAINT
    set_due(complaint, deadlines.ACCEPTANCE)
    return finish(complaint, actor=actor, action="convert", before=before,
                  note=require(reason, "reason", _("请填写转为投诉的原因")),
                  payload={"from_kind": old_kind, "acceptance_due": complaint.acceptance_due})


@transaction.atomic(durable=True)
def withdraw(*, actor: User, number: str, version: int, statement: str) -> Complaint:
    complaint, before = begin(actor, number, version, "withdraw")
    complaint.status = Status.WITHDRAWN
    complaint.closed_at = timezone.now()
    return finish(complaint, actor=actor, action="withdraw", before=before,
                  note=require(statement, "statement", _("请填写撤诉说明")))


@transaction.atomic(durable=True)
def merge(*, actor: User, number: str, version: int, target: str, note: str = "") -> Complaint:
    complaint, before = begin(actor, number, version, "merge")
    target = require(target, "target", _("请填写合并到的投诉编号"))
    if target == complaint.number:
        raise ValidationFailed(_("不能合并到自身"), field="target")
    into = access_complaint(actor, target)
    if into.status not in OPEN:
        raise ValidationFailed(_("只能合并到办理中的投诉件"), field="target")
    complaint.merged_into = into
    complaint.status = Status.MERGED
    complaint.closed_at = timezone.now()
    return finish(complaint, actor=actor, action="merge", before=before, note=note,
                  payload={"target": into.number})


ATTACHMENT_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".pdf": "application/pdf", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".amr": "audio/amr",
    ".m4a": "audio/mp4", ".mp4": "video/mp4",
}
# Leading bytes of binary types; a file whose contents contradict its name is refused.
MAGIC = {
    ".jpg": [b"\xff\xd8\xff"], ".jpeg": [b"\xff\xd8\xff"], ".png": [b"\x89PNG"], ".gif": [b"GIF8"],
    ".pdf": [b"%PDF"], ".docx": [b"PK"], ".xlsx": [b"PK"], ".doc": [b"\xd0\xcf\x11\xe0"],
    ".xls": [b"\xd0\xcf\x11\xe0"], ".wav": [b"RIFF"], ".amr": [b"#!AMR"],
}


@transaction.atomic(durable=True)
def add_attachment(*, actor: User, number: str, name: str, content: bytes, note: str = "") -> Any:
    """Store an attachment under the data dir after checking its type and size."""
    import os
    import uuid
    from pathlib import Path

    from django.conf import settings

    from tousu.complaints.models import Attachment

    complaint = access_complaint(actor, number, for_update=True)
    if actor.role in {Role.AUDITOR, Role.ADMIN}:
        raise NotPermitted(_("您的角色不能上传附件"), action="attach")
    if complaint.status == Status.ARCHIVED:
        raise ValidationFailed(_("已归档的投诉件不能再添加附件"), field="file")
    base = Path(name or "").name.strip()
    ext = os.path.splitext(base)[1].lower()
    if not base or ext not in ATTACHMENT_TYPES:
        raise ValidationFailed(_("不支持的文件类型: %(name)s") % {"name": base or "?"}, field="file",
                               allowed=sorted(ATTACHMENT_TYPES))
    if not content:
        raise ValidationFailed(_("文件为空"), field="file")
    if len(content) > settings.TOUSU_ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(_("文件超过大小上限 %(mb)d MB") % {"mb": settings.TOUSU_ATTACHMENT_MAX_BYTES // 1048576},
                               field="file", max_bytes=settings.TOUSU_ATTACHMENT_MAX_BYTES)
    if ext in MAGIC and not any(content.startswith(m) for m in MAGIC[ext]):
        raise ValidationFailed(_("文件内容与扩展名不符: %(name)s") % {"name": base}, field="file")
    digest = hashlib.sha256(content).hexdigest()
    stored = f"{complaint.number}/{uuid.uuid4().hex}{ext}"
    path = Path(settings.MEDIA_ROOT) / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    # If the transaction fails after the file is written, remove it so nothing dangles.
    try:
        attachment = Attachment.objects.create(
            complaint=complaint, stored_name=stored, original_name=base[:255],
            content_type=ATTACHMENT_TYPES[ext], size=len(content), sha256=digest, uploaded_by=actor)
        complaint.version += 1
        complaint.save(update_fields=["version"])
        record_event(complaint, actor=actor, action="attach", from_status=complaint.status, note=note,
                     payload={"name": base, "size": len(content), "sha256": digest})
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment

