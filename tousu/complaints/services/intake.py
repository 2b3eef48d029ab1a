"""Register, accept, decline, resolve on the spot, convert, withdraw, merge (SPEC §5, §8)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.complaints import custom as custom_fields
from tousu.complaints import dues
from tousu.complaints.access import access_complaint
from tousu.complaints.idempotency import Claim
from tousu.complaints.inputs import Accept, Convert, Decline, Merge, RegisterIn, ResolveOnSpot, Withdraw
from tousu.complaints.models import (
    WRITTEN_CHANNELS,
    WRITTEN_REPLY_METHODS,
    Category,
    Channel,
    Complainant,
    Complaint,
    Grade,
    Kind,
    ReasonCode,
    ReplyMethod,
    Respondent,
    Validity,
)
from tousu.complaints.numbering import QUERY_CODE_ALPHABET, next_number
from tousu.complaints.numbering import hash_query_code as _hash_query_code
from tousu.complaints.preset import active
from tousu.complaints.services.common import begin, begin_new, choice, finish, in_calendar, require
from tousu.complaints.states import OPEN, Status
from tousu.core import identifiers
from tousu.core.crypto import normalize_phone, person_indexes
from tousu.core.errors import Conflict, ValidationFailed
from tousu.detection import services as detection
from tousu.replycheck import services as replycheck
from tousu.search import index as search_index


def check_query_code(complaint: Complaint, code: str) -> bool:
    return secrets.compare_digest(complaint.query_code_hash, _hash_query_code(complaint.number, code.upper()))


def _lookup(rows: Any, code: str, field_name: str, label: str) -> Any:
    """The row of ``rows`` (a queryset) with ``code``, None for no code, refused if unknown."""
    if not code:
        return None
    obj = rows.filter(code=code).first()
    if obj is None:
        raise ValidationFailed(_("未知的%(label)s：%(code)s") % {"label": label, "code": code}, field=field_name)
    return obj


def _validate_complainants(data: RegisterIn) -> None:
    if not data.anonymous and not any(c.name.strip() or c.phone.strip() for c in data.complainants):
        raise ValidationFailed(_("请填写投诉人姓名或电话，或勾选匿名"), field="complainants")
    if sum(1 for c in data.complainants if c.is_representative) > active().thresholds.max_representatives:
        raise ValidationFailed(
            _("群体投诉的代表不超过%(n)d人") % {"n": active().thresholds.max_representatives}, field="complainants"
        )
    for i, c in enumerate(data.complainants):
        _check_identifier(identifiers.check_phone, c.phone, f"complainants[{i}].phone")
        _check_identifier(identifiers.check_id_number, c.id_number, f"complainants[{i}].id_number")
        _check_identifier(identifiers.check_email, c.email, f"complainants[{i}].email")
        if c.preferred_reply:
            choice(c.preferred_reply, ReplyMethod, f"complainants[{i}].preferred_reply")


def _check_identifier(check: Callable[[str], None], value: str, field_name: str) -> None:
    """A phone, ID number or e-mail address given is checked (``tousu.core.identifiers``); an
    empty one is not given."""
    if not value.strip():
        return
    try:
        check(value)
    except identifiers.InvalidIdentifier as err:
        raise ValidationFailed(err.message, field=field_name, problem=err.code) from None


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
        found = [u for u in found if u.unit is not None and u.unit.path.startswith(unit.path)]
    return found[0] if len(found) == 1 else None


def _build_respondents(data: RegisterIn) -> list[Respondent]:
    """The respondent rows. A unit or staff member typed by name only is resolved when the name
    is unambiguous, so that the confidentiality rule and recusal (SPEC §7) know who is complained
    about whichever way the clerk entered it."""
    rows = []
    for i, r in enumerate(data.respondents):
        unit = _lookup(Unit.objects, r.unit, f"respondents[{i}].unit", _("单位")) or _unique_unit(r.unit_name)
        staff = None
        if r.staff:
            staff = User.objects.filter(username=r.staff).first()
            if staff is None:
                raise ValidationFailed(_("未知的人员：%(u)s") % {"u": r.staff}, field=f"respondents[{i}].staff")
        else:
            staff = _unique_staff(r.staff_name, unit)
        row = Respondent(
            unit=unit,
            unit_name=r.unit_name or (unit.name if unit else ""),
            staff=staff,
            staff_name=r.staff_name or (str(staff) if staff else ""),
            product_name=r.product_name,
            specification=r.specification,
            batch=r.batch,
            quantity=r.quantity,
            production_date=r.production_date,
            purchase_place=r.purchase_place,
            partner_name=r.partner_name,
            rank=r.rank.strip() or None,
        )
        if not str(row).strip("—"):
            raise ValidationFailed(_("被投诉对象至少填写单位、人员、产品或合作方之一"), field=f"respondents[{i}]")
        rows.append(row)
    return rows


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


@dataclass(frozen=True)
class Registered:
    """A registration's outcome: the complaint, and its query code in plain text — given to the
    complainant once, here; only its hash is stored."""

    complaint: Complaint
    query_code: str
    # The complaint was made by an earlier request with the same external id or idempotency key.
    replayed: bool = False


@transaction.atomic(durable=True)
def register(*, actor: User, data: RegisterIn, idempotency_key: str = "") -> Registered:
    """Register a complaint: number, query code, acceptance due, repeat detection. Idempotent on
    ``data.external_id`` (within ``data.source_system``) and on ``idempotency_key``: a retry
    answers the complaint already made, with ``query_code`` empty (it is shown only once)."""
    begin_new(actor, "register")
    claim = Claim.of(actor, data, idempotency_key)
    if claim is not None and (prior := claim.prior()) is not None:
        return Registered(prior, "", replayed=True)
    try:
        with transaction.atomic():  # a savepoint: the loser of a race rolls back its number too
            registered = _register(actor=actor, data=data)
            if claim is not None:
                claim.record(registered.complaint)
    except IntegrityError:
        if claim is None or (prior := claim.prior()) is None:
            raise
        return Registered(prior, "", replayed=True)
    return registered


def _register(*, actor: User, data: RegisterIn) -> Registered:
    begin_new(actor, "register")
    choice(data.channel, Channel, "channel")
    choice(data.kind, Kind, "kind")
    if not (data.content.strip() or data.summary.strip()):
        raise ValidationFailed(_("请填写投诉内容或摘要"), field="content")
    if len(data.summary) > 200:
        raise ValidationFailed(_("摘要不超过200字"), field="summary")
    _validate_complainants(data)
    respondents = _build_respondents(data)
    category = _lookup(Category.objects.in_force(), data.category, "category", _("类别"))
    grade = _lookup(Grade.objects.in_force(), data.grade, "grade", _("等级"))
    custom = custom_fields.clean(data.custom)
    unknown = sorted(set(data.flags) - set(active().flag_codes))
    if unknown:
        raise ValidationFailed(
            _("未知的标记：%(f)s") % {"f": "、".join(unknown)}, field="flags", allowed=active().flag_codes
        )
    if data.channel == Channel.UPGRADED and not data.upgraded_source.strip():
        raise ValidationFailed(_("上级/监管转办须注明来源"), field="upgraded_source")
    now = timezone.now()
    received_at = data.received_at or now
    if received_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("收到时间不能晚于现在"), field="received_at")
    in_calendar(
        received_at.date() if timezone.is_naive(received_at) else timezone.localdate(received_at), "received_at"
    )

    found = detection.detect(
        summary=data.summary, content=data.content, demands=data.demands, place=data.place,
        complainants=data.complainants, respondents=data.respondents, received_at=received_at,
        channel=data.channel, amount=data.amount,
    )  # fmt: skip
    repeat = found.repeat
    number = next_number(year=timezone.localtime(received_at).year)
    code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(8))
    flags = {f: {"by": actor.username, "rule": None, "at": now.isoformat()} for f in data.flags}
    if data.channel == Channel.UPGRADED:
        flags.setdefault("upgraded", {"by": None, "rule": "channel_upgraded", "at": now.isoformat()})
    if repeat is not None:
        flags.setdefault(
            "repeat",
            {"by": None, "rule": found.rule, "at": now.isoformat()},
        )
    if len(data.complainants) >= active().thresholds.group_threshold:
        flags.setdefault(
            "group",
            {"by": None, "rule": f"{active().thresholds.group_threshold}_or_more_complainants", "at": now.isoformat()},
        )
    complaint = Complaint(
        number=number,
        query_code_hash=_hash_query_code(number, code),
        kind=data.kind,
        channel=data.channel,
        upgraded_source=data.upgraded_source.strip(),
        received_at=received_at,
        registered_by=actor,
        first_owner=actor,
        anonymous=data.anonymous,
        summary=data.summary.strip() or data.content.strip()[:60],
        content=data.content.strip(),
        demands=data.demands.strip(),
        occurred_at=data.occurred_at,
        place=data.place.strip(),
        amount=data.amount,
        category=category,
        grade=grade or found.grade,
        flags=flags,
        extra=data.extra,
        custom=custom,
        repeat_of=repeat,
        upgraded_from=data.upgraded_source.strip(),
    )
    people = [
        Complainant(
            position=i,
            name=c.name.strip(),
            phone=normalize_phone(c.phone),
            email=c.email.strip(),
            address=c.address.strip(),
            id_number=c.id_number.strip().upper(),
            **person_indexes({"name": c.name, "phone": c.phone, "email": c.email, "id_number": c.id_number}),
            organisation=c.organisation.strip(),
            real_name=c.real_name,
            preferred_reply=c.preferred_reply,
            is_representative=c.is_representative,
        )
        for i, c in enumerate(data.complainants)
    ]
    refresh_redacted_text(complaint, people)
    dues.set_due(complaint, dues.ACCEPTANCE, received_at)
    dues.refresh_due_at(complaint)
    complaint.save()
    for person in people:
        person.complaint = complaint
    Complainant.objects.bulk_create(people)
    for r in respondents:
        r.complaint = complaint
    Respondent.objects.bulk_create(respondents)
    detection.record(complaint, found)
    replycheck.record(complaint, complaint.demands)  # its demand items, each to be answered
    search_index.refresh([complaint.id])  # its words, as every view may search them (tousu.search)
    finish(
        complaint,
        actor=actor,
        action="register",
        before="",
        created=True,
        payload={
            "channel": complaint.channel,
            "kind": complaint.kind,
            "complainants": len(data.complainants),
            "respondents": len(respondents),
            "flags": sorted(flags),
            "repeat_of": repeat.number if repeat else None,
            "repeat_evidence": found.evidence_json(),
            "grading": found.fired,
            "acceptance_due": complaint.acceptance_due,
        },
    )
    from tousu.capa.verification import after_registration  # (imports these services)

    after_registration(complaint)  # a recurrence fails a rectification's verification at once
    return Registered(complaint, code)


@transaction.atomic(durable=True)
def accept(*, actor: User, number: str, data: Accept) -> Complaint:
    complaint, before = begin(actor, number, "accept", data)
    complaint.category = _lookup(
        Category.objects.in_force(), require(data.category, "category", _("请选择类别")), "category", _("类别")
    )
    complaint.grade = _lookup(
        Grade.objects.in_force(), require(data.grade, "grade", _("请选择等级")), "grade", _("等级")
    )
    complaint.status = Status.ACCEPTED
    dues.set_due(complaint, dues.HANDLING)
    if data.agreed_due:
        agreed = dues.end_of_day(in_calendar(data.agreed_due, "agreed_due"))
        if complaint.handling_due and agreed > complaint.handling_due:
            raise ValidationFailed(
                _("约定期限不得晚于法定办理期限 %(due)s")
                % {"due": timezone.localtime(complaint.handling_due).strftime("%Y-%m-%d")},
                field="agreed_due",
            )
        if agreed < timezone.now():
            raise ValidationFailed(_("约定期限不能早于今天"), field="agreed_due")
        complaint.agreed_due = agreed
    return finish(
        complaint,
        actor=actor,
        action="accept",
        before=before,
        note=data.note,
        payload={
            "category": complaint.category.code,
            "grade": complaint.grade.code,
            "handling_due": complaint.handling_due,
            "agreed_due": complaint.agreed_due,
        },
    )


@transaction.atomic(durable=True)
def decline(*, actor: User, number: str, data: Decline) -> Complaint:
    """Decline with a reason code; a signed complaint is told why, and an out-of-scope matter is
    forwarded to the competent body, whose name is recorded (SPEC §5; seed 004 templates A–E)."""
    complaint, before = begin(actor, number, "decline", data)
    code = ReasonCode.objects.in_force().filter(group=ReasonCode.Group.DECLINE, code=data.reason).first()
    if code is None:
        raise ValidationFailed(
            _("请选择不予受理原因"),
            field="reason",
            allowed=list(ReasonCode.objects.in_force().filter(group="decline").values_list("code", flat=True)),
        )
    if code.needs_forward and not data.forwarded_to.strip():
        raise ValidationFailed(_("不属受理范围的，须写明移送的有权处理机关"), field="forwarded_to")
    text = data.reply_text.strip() or code.template
    if not complaint.anonymous and not text:
        raise ValidationFailed(_("须告知投诉人不予受理的理由"), field="reply_text")
    complaint.status = Status.DECLINED
    complaint.decline_reason, complaint.decline_text = code.code, text
    complaint.forwarded_to = data.forwarded_to.strip()
    if data.invalid:
        complaint.validity, complaint.validity_reason = Validity.INVALID, code.name
    dues.set_due(complaint, dues.REVIEW_WINDOW)
    return finish(
        complaint,
        actor=actor,
        action="decline",
        before=before,
        note=data.note,
        payload={
            "reason": code.code,
            "forwarded_to": complaint.forwarded_to,
            "told": bool(text),
            "validity": complaint.validity,
        },
    )


def _written_reply_check(complaint: Complaint, method: str) -> None:
    if complaint.channel in WRITTEN_CHANNELS and method not in WRITTEN_REPLY_METHODS:
        raise ValidationFailed(_("书面投诉须书面答复（书面函件或电子邮件）"), field="reply_method")


@transaction.atomic(durable=True)
def resolve_on_spot(*, actor: User, number: str, data: ResolveOnSpot) -> Complaint:
    complaint, before = begin(actor, number, "resolve_on_spot", data)
    complaint.solution = require(data.solution, "solution", _("请填写处理意见"))
    complaint.reply_method = choice(data.reply_method, ReplyMethod, "reply_method")
    _written_reply_check(complaint, data.reply_method)
    complaint.reply_text = require(data.reply_text, "reply_text", _("请填写答复内容"))
    # The reply on the spot answers every demand too, or declines it with a reason (tousu.replycheck).
    from tousu.followup.services import record_reply
    from tousu.replycheck import services as replycheck

    demands = replycheck.enforce(
        complaint,
        actor=actor,
        action="resolve_on_spot",
        answer=f"{complaint.solution}\n{complaint.reply_text}",
        declined=data.declined,
    )
    complaint.replied_at = timezone.now()
    given = record_reply(complaint, actor=actor, method=data.reply_method, text=complaint.reply_text)
    complaint.status = Status.REPLIED
    dues.set_due(complaint, dues.FOLLOW_UP)
    return finish(
        complaint,
        actor=actor,
        action="resolve_on_spot",
        before=before,
        note=data.note,
        payload={
            "reply_method": data.reply_method,
            **given.payload,
            "followup_due": complaint.followup_due,
            **({"demands": demands} if demands else {}),
        },
    )


@transaction.atomic(durable=True)
def convert(*, actor: User, number: str, data: Convert) -> Complaint:
    """An inquiry, look-up or fault report becomes a complaint; its history stays, and the
    complaint deadlines start now."""
    complaint, before = begin(actor, number, "convert", data)
    old_kind = complaint.kind
    complaint.kind = Kind.COMPLAINT
    dues.set_due(complaint, dues.ACCEPTANCE)
    return finish(
        complaint,
        actor=actor,
        action="convert",
        before=before,
        note=require(data.reason, "reason", _("请填写转为投诉的原因")),
        payload={"from_kind": old_kind, "acceptance_due": complaint.acceptance_due},
    )


@transaction.atomic(durable=True)
def withdraw(*, actor: User, number: str, data: Withdraw) -> Complaint:
    complaint, before = begin(actor, number, "withdraw", data)
    complaint.status = Status.WITHDRAWN
    complaint.closed_at = timezone.now()
    return finish(
        complaint,
        actor=actor,
        action="withdraw",
        before=before,
        note=require(data.statement, "statement", _("请填写撤诉说明")),
    )


@transaction.atomic(durable=True)
def merge(*, actor: User, number: str, data: Merge) -> Complaint:
    complaint, before = begin(actor, number, "merge", data)
    target = require(data.target, "target", _("请填写合并到的投诉编号"))
    if target == complaint.number:
        raise ValidationFailed(_("不能合并到自身"), field="target")
    into = access_complaint(actor, target)
    try:  # the target stays open until this commits (a close or merge of it waits)
        into = Complaint.objects.select_for_update(of=("self",)).get(pk=into.pk)
    except OperationalError:  # PostgreSQL: its own merge into this one holds it (a deadlock, undone)
        raise Conflict(_("目标投诉正在被合并或办理，请稍后重试"), field="target") from None
    if into.status not in OPEN:
        raise ValidationFailed(_("只能合并到办理中的投诉件"), field="target")
    complaint.merged_into = into
    complaint.status = Status.MERGED
    complaint.closed_at = timezone.now()
    return finish(
        complaint, actor=actor, action="merge", before=before, note=data.note, payload={"target": into.number}
    )
