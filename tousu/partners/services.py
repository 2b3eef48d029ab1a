"""Partners, their accounts, the attribution of complaints, and violation inquiries with the
credit deduction they end in (issue 15 §5; seed 002 第三章).

An inquiry is published by the SP desk (the offending service suspended, 002-16); the partner
answers within the preset's working days after the publication day (002-17) — admits, denies
with evidence (002-19) or asks for 1–2 test numbers (002-20) — or the violation is deemed
established (002-18, ``deem_overdue``, run by the periodic scan). The desk decides the outcome;
an established violation costs the preset's base points × the coefficient, the rule trail stored
beside the figure (``coefficient``)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field
from typing_extensions import TypedDict

from tousu.accounts.models import Role, Scope, User
from tousu.calendar.store import current
from tousu.complaints.access import access_complaint, visible_complaints
from tousu.complaints.inputs import Day, Input
from tousu.complaints.models import Complaint, Respondent
from tousu.complaints.preset import active
from tousu.core.errors import Conflict, NotFound, ValidationFailed
from tousu.partners.access import access_inquiry, access_partner, member_of, require_desk, require_enabled
from tousu.partners.models import (
    Answer,
    Attribution,
    CreditEntry,
    Inquiry,
    InquiryStatus,
    Kind,
    Partner,
    PartnerMember,
    PreReport,
)

CENT = Decimal("0.01")
RESERVED = frozenset({"inquiries", "statements", "attributions", "new"})  # paths beside /partners/{code}


class Step(TypedDict):
    """One rule of a deduction's trail: which rule gave which factor."""

    rule: str
    factor: str
    source: str


# -- partners and their accounts -----------------------------------------------------------------
class PartnerIn(Input):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$", description="合作方编码（字母、数字）")
    name: str = Field(min_length=1, max_length=200, description="合作方名称")
    kind: Literal["sp", "supplier", "dealer"] = Field(description="类别：sp、supplier 供应商、dealer 经销商")
    aliases: list[str] = Field(default_factory=list, max_length=20, description="别名（投诉中被投诉合作方的其他写法）")
    hotline: bool = Field(False, description="是否计收被叫付费热线费用（002-45）")


@transaction.atomic(durable=True)
def create_partner(*, actor: User, data: PartnerIn) -> Partner:
    require_desk(actor)
    require_enabled()
    name = data.name.strip()
    if not name:
        raise ValidationFailed(_("请填写合作方名称"), field="name")
    if data.code in RESERVED:
        raise ValidationFailed(_("「%(code)s」不能用作合作方编码") % {"code": data.code}, field="code")
    if Partner.objects.filter(code=data.code).exists():
        raise Conflict(_("合作方编码「%(code)s」已存在") % {"code": data.code}, code="duplicate", field="code")
    aliases = [a.strip()[:200] for a in dict.fromkeys(data.aliases) if a.strip()]
    return Partner.objects.create(
        code=data.code,
        name=name,
        kind=Kind(data.kind),
        aliases=aliases,
        hotline=data.hotline,
        credit=active().partners.starting_credit,
    )


@transaction.atomic(durable=True)
def add_member(*, actor: User, partner_code: str, username: str) -> PartnerMember:
    """Link a user to a partner as its own account. Only a user who can see no complaint at all
    qualifies: a handler with scope 「本人案件」, no unit, not an administrator, handling nothing."""
    require_desk(actor)
    partner = access_partner(actor, partner_code)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(_("用户「%(name)s」不存在或已停用") % {"name": username}, field="username")
    if (
        user.is_superuser
        or user.is_staff
        or user.role != Role.HANDLER
        or user.scope != Scope.OWN
        or user.unit_id is not None
        or visible_complaints(user).exists()
    ):
        raise ValidationFailed(
            _("合作方账号须为不属于任何单位、数据范围为「本人案件」且无任何投诉的承办人账号"), field="username"
        )
    if PartnerMember.objects.filter(user=user).exists():
        raise Conflict(_("该用户已是合作方账号"), code="duplicate", field="username")
    return PartnerMember.objects.create(user=user, partner=partner)


# -- attribution -----------------------------------------------------------------------------------
def is_upgraded(complaint: Complaint) -> bool:
    """An upgraded complaint (升级投诉, 002-31/32): it came from above."""
    return bool(complaint.upgraded_from.strip() or complaint.upgraded_source.strip())


def _by_name() -> dict[str, Partner]:
    names: dict[str, Partner] = {}
    for partner in Partner.objects.filter(active=True):
        for name in [partner.name, *partner.aliases]:
            names.setdefault(name.strip().casefold(), partner)
    return names


def match_all(complaints: list[Complaint] | None = None) -> int:
    """Attribute each complaint whose respondent names a known partner (its name or an alias) and
    that is not attributed yet; returns how many were. Idempotent; never overrides staff."""
    if not active().partners.enabled:
        return 0
    names = _by_name()
    if not names:
        return 0
    rows = Respondent.objects.exclude(partner_name="").filter(complaint__partner_attribution__isnull=True)
    if complaints is not None:
        rows = rows.filter(complaint__in=complaints)
    made = 0
    for row in rows.select_related("complaint").order_by("complaint_id", "id"):
        partner = names.get(row.partner_name.strip().casefold())
        if partner is None or Attribution.objects.filter(complaint=row.complaint).exists():
            continue
        Attribution.objects.create(
            complaint=row.complaint, partner=partner, upgraded=is_upgraded(row.complaint), automatic=True
        )
        made += 1
    return made


class AttributionIn(Input):
    partner: str = Field(min_length=1, max_length=40, description="合作方编码")
    upgraded: bool | None = Field(None, description="升级投诉；不填则按投诉的升级来源判断")
    at_fault: bool = Field(False, description="判定为合作方责任")
    note: str = Field("", max_length=500, description="说明")


@transaction.atomic(durable=True)
def attribute(*, actor: User, number: str, data: AttributionIn) -> Attribution:
    """Attribute a complaint to a partner, or change its attribution or flags (staff)."""
    require_desk(actor)
    require_enabled()
    complaint = access_complaint(actor, number)
    partner = Partner.objects.filter(code=data.partner, active=True).first()
    if partner is None:
        raise ValidationFailed(_("合作方「%(code)s」不存在或已停用") % {"code": data.partner}, field="partner")
    upgraded = is_upgraded(complaint) if data.upgraded is None else data.upgraded
    attribution, _created = Attribution.objects.update_or_create(
        complaint=complaint,
        defaults={
            "partner": partner,
            "upgraded": upgraded,
            "at_fault": data.at_fault,
            "automatic": False,
            "note": data.note.strip(),
            "by": actor,
        },
    )
    return attribution


# -- inquiries -----------------------------------------------------------------------------------
def violation_name(code: str) -> str:
    found = next((v for v in active().partners.violations if v.code == code), None)
    return found.name if found is not None else code


def due_on(published_on: dt.date) -> dt.date:
    """The last day to answer: the preset's working days after the publication day, which is not
    counted (002-17), on the project's working-day calendar."""
    return current().add_working_days(published_on, active().partners.answer_working_days)


class InquiryIn(Input):
    partner: str = Field(min_length=1, max_length=40, description="合作方编码")
    violation: str = Field(min_length=1, max_length=40, description="预设的违约类别代码")
    facts: str = Field(min_length=1, max_length=5000, description="涉嫌违约的事实")
    complaints: list[str] = Field(default_factory=list, max_length=200, description="涉及的投诉编号")
    suspended: str = Field("", max_length=500, description="已暂停的业务（002-16）")
    pre_report: Literal["", "exempt", "lighten"] = Field(
        "", description="报备（002-30）：exempt 免于处罚、lighten 从轻"
    )
    hq_judged: bool = Field(False, description="造成升级或批量投诉并经集团公司或工信部判责（002-35）")
    published_on: Day | None = Field(None, description="发布日期，默认今天")


@transaction.atomic(durable=True)
def publish_inquiry(*, actor: User, data: InquiryIn) -> Inquiry:
    require_desk(actor)
    require_enabled()
    partner = Partner.objects.filter(code=data.partner, active=True).first()
    if partner is None:
        raise ValidationFailed(_("合作方「%(code)s」不存在或已停用") % {"code": data.partner}, field="partner")
    if data.violation not in {v.code for v in active().partners.violations}:
        raise ValidationFailed(
            _("「%(code)s」不是预设的违约类别") % {"code": data.violation},
            field="violation",
            allowed=[v.code for v in active().partners.violations],
        )
    if not data.facts.strip():
        raise ValidationFailed(_("请填写涉嫌违约的事实"), field="facts")
    today = timezone.localdate()
    published_on = data.published_on or today
    if published_on > today:
        raise ValidationFailed(_("发布日期不能晚于今天"), field="published_on")
    complaints = []
    for number in dict.fromkeys(n.strip() for n in data.complaints if n.strip()):
        try:
            complaints.append(access_complaint(actor, number))
        except NotFound:
            raise ValidationFailed(_("投诉「%(n)s」不存在") % {"n": number}, field="complaints") from None
    inquiry = Inquiry.objects.create(
        partner=partner,
        violation=data.violation,
        facts=data.facts.strip(),
        suspended=data.suspended.strip(),
        pre_report=PreReport(data.pre_report),
        hq_judged=data.hq_judged,
        published_on=published_on,
        due_on=due_on(published_on),
        published_by=actor,
    )
    inquiry.complaints.set(complaints)
    return inquiry


class AnswerIn(Input):
    answer: Literal["admit", "deny", "test_numbers"] = Field(
        description="admit 认可违约；deny 否认违约并举证；test_numbers 申请伪码核实（WAP业务）"
    )
    text: str = Field("", max_length=5000, description="反馈说明")
    evidence: str = Field("", max_length=10000, description="举证材料（否认时必填，002-19）")
    test_numbers: int = Field(0, ge=0, le=9, description="申请的伪码个数（1~2个，002-20）")


@transaction.atomic(durable=True)
def answer(*, actor: User, inquiry_id: int, data: AnswerIn) -> Inquiry:
    """The partner's answer, within the window (the publication day not counted); after it, the
    violation stands (002-18) and the answer is refused."""
    if member_of(actor) is None:
        raise NotFound(_("核查通知不存在"), inquiry=inquiry_id)
    inquiry = access_inquiry(actor, inquiry_id)
    if inquiry.status != InquiryStatus.PUBLISHED:
        raise Conflict(_("本核查通知已反馈或已定性，不能再次反馈"), code="answered")
    if timezone.localdate() > inquiry.due_on:
        raise Conflict(
            _("反馈期限已于%(day)s届满，逾期反馈视为违约事实存在") % {"day": inquiry.due_on.isoformat()},
            code="overdue",
        )
    limit = active().partners.test_numbers_max
    if data.answer == "deny" and not data.evidence.strip():
        raise ValidationFailed(_("否认违约须充分举证，请填写举证材料"), field="evidence")
    if data.answer == "test_numbers" and not 1 <= data.test_numbers <= limit:
        raise ValidationFailed(_("可申请1至%(n)d个伪码") % {"n": limit}, field="test_numbers")
    if data.answer != "test_numbers" and data.test_numbers:
        raise ValidationFailed(_("只有申请伪码核实时填写伪码个数"), field="test_numbers")
    inquiry.answer = Answer(data.answer)
    inquiry.answer_text = data.text.strip()
    inquiry.evidence = data.evidence.strip()
    inquiry.test_numbers = data.test_numbers
    inquiry.answered_at = timezone.now()
    inquiry.answered_by = actor
    inquiry.status = InquiryStatus.ANSWERED
    inquiry.save()
    return inquiry


def coefficient(inquiry: Inquiry) -> tuple[Decimal, Decimal, list[Step]]:
    """Base points, coefficient and the trail of an established violation (002-21/22/24/30/35)."""
    preset = active().partners
    violation = next((v for v in preset.violations if v.code == inquiry.violation), None)
    base = violation.points if violation is not None else Decimal(0)
    trail: list[Step] = [
        {
            "rule": _("违约类别「%(name)s」的基础扣分") % {"name": violation_name(inquiry.violation)},
            "factor": str(base),
            "source": violation.source if violation is not None else "",
        }
    ]
    aggravated: list[Step] = []
    if inquiry.answer == Answer.TEST_NUMBERS:
        aggravated.append({"rule": _("申请伪码后仍被判定违规"), "factor": "", "source": "002-21"})
    if inquiry.kept_denying:
        aggravated.append({"rule": _("坚持否认违约但无法进一步举证"), "factor": "", "source": "002-24"})
    if inquiry.hq_judged:
        aggravated.append(
            {"rule": _("违约造成升级或批量投诉，经集团公司或工信部判责"), "factor": "", "source": "002-35"}
        )
    if aggravated:
        factor = preset.aggravated_coefficient
        for step in aggravated:
            step["factor"] = str(factor)
        trail.extend(aggravated)
    else:
        factor = preset.normal_coefficient
        if inquiry.answer == Answer.ADMIT:
            why, source = _("直接认可违约，按正常系数"), "002-22"
        elif inquiry.deemed:
            why, source = _("逾期未反馈，视为违约事实存在，按正常系数"), "002-18"
        else:
            why, source = _("按正常系数"), "002-22"
        trail.append({"rule": why, "factor": str(factor), "source": source})
    if inquiry.pre_report == PreReport.EXEMPT:
        factor = Decimal(0)
        trail.append({"rule": _("事先报备并积极配合，免于处罚"), "factor": "0", "source": "002-30"})
    elif inquiry.pre_report == PreReport.LIGHTEN:
        factor = factor * preset.pre_report_lighten
        trail.append(
            {"rule": _("事先报备并积极配合，从轻处罚"), "factor": str(preset.pre_report_lighten), "source": "002-30"}
        )
    return base, factor, trail


def _deduct(inquiry: Inquiry, actor: User | None) -> None:
    base, factor, trail = coefficient(inquiry)
    points = (base * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    partner = Partner.objects.select_for_update().get(pk=inquiry.partner_id)
    partner.credit = partner.credit - points
    partner.save(update_fields=["credit"])
    inquiry.coefficient, inquiry.points, inquiry.trail = factor, points, list(trail)
    CreditEntry.objects.create(
        partner=partner,
        inquiry=inquiry,
        cause=_("违约核查第%(n)d号：%(name)s") % {"n": inquiry.pk, "name": violation_name(inquiry.violation)},
        base=base,
        coefficient=factor,
        points=points,
        balance=partner.credit,
        trail=list(trail),
        by=actor,
    )


class OutcomeIn(Input):
    established: bool = Field(description="true 违约成立，false 违约不成立")
    kept_denying: bool = Field(False, description="坚持否认违约但无法进一步举证或作出令人信服的答复（002-24）")
    hq_judged: bool | None = Field(
        None, description="造成升级或批量投诉并经集团公司或工信部判责（002-35）；不填沿用发布时"
    )
    note: str = Field("", max_length=5000, description="定性说明")


@transaction.atomic(durable=True)
def decide(*, actor: User, inquiry_id: int, data: OutcomeIn) -> Inquiry:
    """The desk's outcome on an answered inquiry; an established violation deducts credit."""
    require_desk(actor)
    inquiry = Inquiry.objects.select_for_update().filter(pk=inquiry_id).first()
    if inquiry is None:
        raise NotFound(_("核查通知不存在"), inquiry=inquiry_id)
    if inquiry.status == InquiryStatus.PUBLISHED:
        raise Conflict(_("合作方尚未反馈；反馈期满未反馈的，由系统按违约成立处理"), code="not_answered")
    if inquiry.status != InquiryStatus.ANSWERED:
        raise Conflict(_("本核查已定性"), code="decided")
    if data.kept_denying and (not data.established or inquiry.answer != Answer.DENY):
        raise ValidationFailed(_("只有否认违约且最终认定违约成立时，才可认定为坚持否认"), field="kept_denying")
    if data.hq_judged is not None:
        inquiry.hq_judged = data.hq_judged
    inquiry.kept_denying = data.kept_denying
    inquiry.outcome_note = data.note.strip()
    inquiry.decided_at, inquiry.decided_by = timezone.now(), actor
    inquiry.status = InquiryStatus.ESTABLISHED if data.established else InquiryStatus.NOT_ESTABLISHED
    if data.established:
        _deduct(inquiry, actor)
    inquiry.save()
    return inquiry


def deem_overdue(today: dt.date | None = None) -> int:
    """Inquiries not answered by their last day are deemed established (002-18); returns how many.
    Idempotent: an inquiry is taken once, under its row lock."""
    today = today or timezone.localdate()
    done = 0
    for pk in Inquiry.objects.filter(Q(status=InquiryStatus.PUBLISHED) & Q(due_on__lt=today)).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            inquiry = Inquiry.objects.select_for_update().get(pk=pk)
            if inquiry.status != InquiryStatus.PUBLISHED:
                continue
            inquiry.deemed = True
            inquiry.status = InquiryStatus.ESTABLISHED
            inquiry.decided_at = timezone.now()
            inquiry.outcome_note = _("反馈期限（%(day)s）届满未反馈，视为违约事实存在。") % {
                "day": inquiry.due_on.isoformat()
            }
            _deduct(inquiry, None)
            inquiry.save()
            done += 1
    return done


def scan() -> dict[str, int]:
    """The periodic work (``complaints.jobs``): attribute new complaints, deem overdue inquiries."""
    if not active().partners.enabled:
        return {"attributed": 0, "deemed": 0}
    with transaction.atomic():
        attributed = match_all()
    return {"attributed": attributed, "deemed": deem_overdue()}
