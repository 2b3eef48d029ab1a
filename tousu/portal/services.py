"""The complainant's actions on the portal and the public API (issue 13, SPEC §8): submit, rate,
request review, add material, withdraw — each through the complaint services, so each is an event
of the complaint's audited history.

The services need a ``User``: the public is one internal account, ``public`` (「投诉人（网上）」),
created by this app's data migration — inactive, with no usable password, so nobody signs in as
it. Its role is the intake clerk's, the role the action table gives registration, review requests
and withdrawal; its scope is all complaints, because on the portal the right to a complaint is
proved by its number and query code (``authenticate``), not by a unit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.models import Role, Scope, User
from tousu.complaints import attachments, services
from tousu.complaints.inputs import Attach, Reason, RegisterIn, Withdraw
from tousu.complaints.models import Channel, Complaint, ReplyMethod, Satisfaction
from tousu.complaints.services.common import finish
from tousu.complaints.services.intake import Registered, check_query_code
from tousu.core import identifiers
from tousu.core.errors import InvalidTransition, TousuError, ValidationFailed
from tousu.portal import challenge, throttle
from tousu.portal.models import Rating
from tousu.portal.selectors import MATERIAL, RATEABLE, _reply_given

PUBLIC_USERNAME = "public"
PUBLIC_NAME = "投诉人（网上）"
MAX_FILES = 5


class WrongCode(TousuError):
    """An unknown number and a wrong code get the same answer: a number cannot be probed."""

    code = "wrong_code"
    status = 403
    default_message = gettext_lazy("投诉编号或查询码不正确。")


def public_actor() -> User:
    """The account the public acts as (made by migration 0002; remade here if a test flushed it)."""
    user, _created = User.objects.get_or_create(
        username=PUBLIC_USERNAME,
        defaults={
            "display_name": PUBLIC_NAME,
            "role": Role.CLERK,
            "scope": Scope.ALL,
            "is_active": False,
            "password": "!portal-no-login",
        },
    )
    return user


# -- inputs ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


@dataclass(frozen=True)
class Submission:
    """What the complainant fills in on the portal (or posts to the public API)."""

    summary: str
    content: str
    demands: str = ""
    respondent_unit: str = ""
    respondent_name: str = ""
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    anonymous: bool = False
    preferred_reply: str = ""
    consent: bool = False
    files: list[Upload] = field(default_factory=list)


@dataclass(frozen=True)
class Caller:
    """Who knocks: the number and query code they gave, their address, and the face (web or api)."""

    number: str
    code: str
    address: str
    face: str


# Field names of the register input, as the complainant knows them.
LABELS: dict[str, Promise] = {
    "summary": gettext_lazy("标题"),
    "content": gettext_lazy("投诉内容"),
    "demands": gettext_lazy("诉求"),
    "name": gettext_lazy("姓名"),
    "phone": gettext_lazy("联系电话"),
    "email": gettext_lazy("电子邮件"),
    "id_number": gettext_lazy("身份证号"),
    "unit_name": gettext_lazy("被投诉单位"),
    "staff_name": gettext_lazy("被投诉人"),
    "preferred_reply": gettext_lazy("答复方式"),
    "reason": gettext_lazy("理由"),
    "statement": gettext_lazy("撤诉说明"),
    "note": gettext_lazy("说明"),
}


def _validated(model: type[pydantic.BaseModel], fields: dict[str, Any]) -> Any:
    """``model`` built from ``fields``, or a ValidationFailed naming the fields in Chinese."""
    try:
        return model.model_validate(fields)
    except pydantic.ValidationError as err:
        names = []
        for e in err.errors():
            last = next((str(p) for p in reversed(e["loc"]) if isinstance(p, str)), "")
            names.append(str(LABELS.get(last, last)) if last else _("输入"))
        first = err.errors()[0]
        field_name = next((str(p) for p in reversed(first["loc"]) if isinstance(p, str)), "")
        raise ValidationFailed(
            _("请检查：%(fields)s（未填写或超出长度）") % {"fields": "、".join(dict.fromkeys(names))},
            field=field_name,
        ) from None


def _check_files(files: list[Upload]) -> None:
    if len(files) > MAX_FILES:
        raise ValidationFailed(_("附件最多%(n)d个") % {"n": MAX_FILES}, field="file")
    for f in files:
        attachments._checked_name(Attach(name=f.name, content=f.content))  # the staff upload's checks


def _check_identifiers(person: dict[str, Any]) -> None:
    """Phone, ID check digit and e-mail, as registration checks them (``core.identifiers``), before
    the challenge is spent."""
    for name, check in (
        ("phone", identifiers.check_phone),
        ("id_number", identifiers.check_id_number),
        ("email", identifiers.check_email),
    ):
        if person[name]:
            try:
                check(person[name])
            except identifiers.InvalidIdentifier as err:
                raise ValidationFailed(err.message, field=name, problem=err.code) from None


# -- submit ------------------------------------------------------------------------------------------
def submit(*, data: Submission, address: str, challenge_token: str = "", challenge_answer: str = "") -> Registered:
    """Register a complaint from the portal (channel 网站) with its files; the answer carries the
    query code, shown to the complainant once. Everything is checked before anything is written."""
    if not data.consent:
        raise ValidationFailed(_("请阅读隐私说明并勾选同意后再提交"), field="consent")
    if data.preferred_reply and data.preferred_reply not in ReplyMethod.values:
        raise ValidationFailed(_("请选择答复方式"), field="preferred_reply")
    _check_files(data.files)
    person = {
        "name": "" if data.anonymous else data.name.strip(),
        "phone": data.phone.strip(),
        "email": data.email.strip(),
        "id_number": "" if data.anonymous else data.id_number.strip(),
        "real_name": not data.anonymous,
        "preferred_reply": data.preferred_reply,
    }
    respondent = {"unit_name": data.respondent_unit.strip(), "staff_name": data.respondent_name.strip()}
    fields: dict[str, Any] = {
        "channel": Channel.WEBSITE,
        "summary": data.summary.strip(),
        "content": data.content.strip(),
        "demands": data.demands.strip(),
        "anonymous": data.anonymous,
        "complainants": [person] if any(person[k] for k in ("name", "phone", "email", "id_number")) else [],
        "respondents": [respondent] if any(respondent.values()) else [],
    }
    if not fields["content"]:
        raise ValidationFailed(_("请填写投诉内容"), field="content")
    if not data.anonymous and not (person["name"] and person["phone"]):
        raise ValidationFailed(_("实名投诉请填写姓名和联系电话，或勾选匿名"), field="name")
    register_in = _validated(RegisterIn, fields)
    _check_identifiers(person)
    # The challenge last among the checks: a form with a typo keeps its answered question.
    throttle.check_submit_rate(address)
    throttle.check_upload_rate(address, sum(len(f.content) for f in data.files))
    challenge.verify(challenge_token, challenge_answer)
    actor = public_actor()
    registered = services.register(actor=actor, data=register_in)
    for f in data.files:
        attachments.add(
            actor=actor,
            number=registered.complaint.number,
            data=Attach(name=f.name, content=f.content, note=_("投诉人提交投诉时上传")),
        )
    return registered


# -- number and code ---------------------------------------------------------------------------------
def _clean(value: str, limit: int) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().upper()[:limit]


def authenticate(caller: Caller) -> Complaint:
    """The complaint whose number and query code the caller gave. While guessing is throttled
    (``throttle.code_locked``) every try is refused with 429 before the code is checked; a wrong
    code (or an unknown number) is recorded as a ``CodeFailure`` and refused."""
    number, code = _clean(caller.number, 32), _clean(caller.code, 16)
    throttle.check_rate(caller.address, number)
    if not number or not code:
        raise ValidationFailed(_("请填写投诉编号和查询码"), field="code" if number else "number")
    if throttle.code_locked(number, caller.address):
        raise throttle.Throttled(_("查询码错误次数过多，请15分钟后再试。"), code="code_throttled")
    complaint = Complaint.objects.select_related("handling_unit").filter(number=number).first()
    if complaint is None or not check_query_code(complaint, code):
        throttle.code_failed(number, caller.address, face=caller.face, known=complaint is not None)
        raise WrongCode(_("投诉编号或查询码不正确。"))
    return complaint


# -- actions ---------------------------------------------------------------------------------------
def rate(*, caller: Caller, satisfaction: str, comment: str = "") -> Rating:
    """The complainant rates the reply, once (an event ``rate`` on the complaint)."""
    complaint = authenticate(caller)
    if satisfaction not in {Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED}:
        raise ValidationFailed(_("请选择满意、基本满意或不满意"), field="satisfaction")
    if len(comment) > 2000:
        raise ValidationFailed(_("意见不超过2000字"), field="comment")
    try:
        return _rate(complaint.pk, satisfaction, comment.strip())
    except IntegrityError:  # two tabs at once: the other one rated first
        raise InvalidTransition(_("已评价过，不能重复评价"), code="already_rated") from None


@transaction.atomic(durable=True)
def _rate(pk: int, satisfaction: str, comment: str) -> Rating:
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=pk)
    if complaint.status not in RATEABLE or not _reply_given(complaint):
        raise InvalidTransition(_("答复之后才能评价"), code="not_replied")
    if Rating.objects.filter(complaint=complaint).exists():
        raise InvalidTransition(_("已评价过，不能重复评价"), code="already_rated")
    rating = Rating.objects.create(
        complaint=complaint, satisfaction=satisfaction, comment=comment, rated_at=timezone.now()
    )
    finish(
        complaint,
        actor=public_actor(),
        action="rate",
        before=complaint.status,
        note=comment,
        payload={"satisfaction": satisfaction, "by": "complainant"},
    )
    return rating


def request_review(*, caller: Caller, reason: str) -> Complaint:
    """The complainant asks for review within the window (action ``request_review``, its guard
    ``guards.review_window``)."""
    complaint = authenticate(caller)
    data = _validated(Reason, {"version": complaint.version, "reason": reason.strip()})
    return services.request_review(actor=public_actor(), number=complaint.number, data=data)


def withdraw(*, caller: Caller, statement: str) -> Complaint:
    complaint = authenticate(caller)
    data = _validated(Withdraw, {"version": complaint.version, "statement": statement.strip()})
    return services.withdraw(actor=public_actor(), number=complaint.number, data=data)


def add_material(*, caller: Caller, text: str = "", file: Upload | None = None) -> Complaint:
    """Further material: a file (action ``attach``, with the text as its note) or text alone (an
    event ``add_material`` carrying the text)."""
    complaint = authenticate(caller)
    text = text.strip()
    if not text and file is None:
        raise ValidationFailed(_("请填写补充内容或选择文件"), field="text")
    if len(text) > 5000:
        raise ValidationFailed(_("补充内容不超过5000字"), field="text")
    if complaint.status not in MATERIAL:
        raise InvalidTransition(_("此件已结束，不能再补充材料"), code="material_closed")
    if file is not None:
        _check_files([file])
        throttle.check_upload_rate(caller.address, len(file.content))
        attachments.add(
            actor=public_actor(),
            number=complaint.number,
            data=Attach(name=file.name, content=file.content, note=text[:500] or _("投诉人补充材料")),
        )
        if len(text) <= 500:
            return Complaint.objects.get(pk=complaint.pk)
    return _add_text(complaint.pk, text)


@transaction.atomic(durable=True)
def _add_text(pk: int, text: str) -> Complaint:
    complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=pk)
    if complaint.status not in MATERIAL:
        raise InvalidTransition(_("此件已结束，不能再补充材料"), code="material_closed")
    return finish(
        complaint,
        actor=public_actor(),
        action="add_material",
        before=complaint.status,
        note=text,
        payload={"by": "complainant", "chars": len(text)},
    )
