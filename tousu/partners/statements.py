"""The monthly statement of service costs (服务费用结算, seed 002 第二十五条至第三十一条).

Prepared by the desk for one partner and one month from the complaints attributed to it (500 元
each, ×10 for an upgraded complaint judged the partner's fault), the hotline test-call charge
((8 − score) % × the month's information fees), the called-party-paid hotline (1000 元 a month
where it applies) and the refunds and double refunds (002-42…46); published by the 10th of the
next month (002-36/47); the partner disputes items one by one with reasons within the dispute
window (002-37) — none at all in a month with upgraded complaints or verified violations
(002-40); the desk accepts, refuses, or refuses an unclear reason (002-38); then the final figure.
The original figures stay beside the final ones (002-41). All money is Decimal to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import Field

from tousu.accounts.models import User
from tousu.complaints.inputs import Input
from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.core.errors import Conflict, NotFound, ValidationFailed
from tousu.partners.access import access_statement, member_of, require_desk, require_enabled
from tousu.partners.models import (
    Attribution,
    DisputeStatus,
    Inquiry,
    InquiryStatus,
    Item,
    ItemKind,
    Kind,
    Partner,
    Statement,
    StatementStatus,
)
from tousu.partners.services import match_all
from tousu.solution.services import money

CENT = Decimal("0.01")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, local time."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(dt.datetime.combine(first, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(following, dt.time.min)),
    )


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationFailed(_("月份格式应为 2026-11"), field="month") from None


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


class StatementIn(Input):
    partner: str = Field(min_length=1, max_length=40, description="合作方编码")
    month: str = Field(min_length=7, max_length=7, description="结算月份，如 2026-11（须已结束）")
    test_score: str | int | float = Field(description="当月客服热线拨测得分（0~8分，可带两位小数）")
    info_fees: str | int | float = Field(description="当月信息费（元）")
    refunds: str | int | float = Field("0", description="为处理该合作方的投诉向客户退费（元）")
    double_refunds: str | int | float = Field("0", description="双返费用（元）")
    hotline: bool | None = Field(None, description="计收被叫付费热线费用；不填按合作方设置")


def _score(value: str | int | float) -> Decimal:
    full = active().partners.test_call_full_score
    score = money(value, 0, "test_score")
    if score > full:
        raise ValidationFailed(_("拨测得分须在0至%(full)s分之间") % {"full": full}, field="test_score")
    return score


def _items(statement: Statement) -> list[Item]:
    preset = active().partners
    start, end = month_bounds(statement.month)
    rows = (
        Attribution.objects.filter(
            partner=statement.partner, complaint__received_at__gte=start, complaint__received_at__lt=end
        )
        .select_related("complaint")
        .order_by("complaint__received_at", "complaint__number")
    )
    items: list[Item] = []

    def add(kind: ItemKind, description: str, amount: Decimal, complaint: Complaint | None = None) -> None:
        items.append(
            Item(
                statement=statement,
                position=len(items) + 1,
                kind=kind,
                complaint=complaint,
                description=description[:300],
                amount=amount.quantize(CENT, rounding=ROUND_HALF_UP),
            )
        )

    for row in rows:
        c = row.complaint
        if statement.partner.kind == Kind.DEALER:
            # 002-82: a dealer is fined for each complaint it mishandled, not charged a service cost.
            if row.at_fault and preset.dealer_fine:
                text = _("经销商处理不当%(n)s：%(each)s元/次") % {"n": c.number, "each": _fmt(preset.dealer_fine)}
                add(ItemKind.FINE, text, preset.dealer_fine, c)
        elif row.upgraded and row.at_fault:
            amount = preset.per_complaint * preset.upgraded_multiplier
            text = _("升级投诉%(n)s（合作方责任）：%(each)s元×%(m)d") % {
                "n": c.number,
                "each": _fmt(preset.per_complaint),
                "m": preset.upgraded_multiplier,
            }
            add(ItemKind.UPGRADED, text, amount, c)
        else:
            add(
                ItemKind.COMPLAINT,
                _("客户投诉%(n)s：%(each)s元") % {"n": c.number, "each": _fmt(preset.per_complaint)},
                preset.per_complaint,
                c,
            )
    short = preset.test_call_full_score - statement.test_score
    if short > 0 and statement.info_fees > 0:
        amount = (short * statement.info_fees / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        text = _("客服热线拨测：（%(full)s分－%(score)s分）%%×当月信息费%(fees)s元") % {
            "full": preset.test_call_full_score.normalize(),
            "score": statement.test_score.normalize(),
            "fees": _fmt(statement.info_fees),
        }
        add(ItemKind.TEST_CALL, text, amount)
    if statement.hotline:
        add(
            ItemKind.HOTLINE,
            _("被叫付费热线：%(a)s元/月") % {"a": _fmt(preset.hotline_monthly)},
            preset.hotline_monthly,
        )
    if statement.refunds:
        add(ItemKind.REFUND, _("向客户退费"), statement.refunds)
    if statement.double_refunds:
        add(ItemKind.DOUBLE_REFUND, _("双返"), statement.double_refunds)
    return items


@transaction.atomic(durable=True)
def prepare(*, actor: User, data: StatementIn) -> Statement:
    """Prepare (or prepare again, while a draft) the month's statement of one partner."""
    require_desk(actor)
    require_enabled()
    partner = Partner.objects.filter(code=data.partner).first()
    if partner is None:
        raise ValidationFailed(_("合作方「%(code)s」不存在") % {"code": data.partner}, field="partner")
    month = parse_month(data.month)
    if month_bounds(month)[1] > timezone.now():
        raise ValidationFailed(_("只能为已经结束的月份结算"), field="month")
    score = _score(data.test_score)
    fees = money(data.info_fees, 0, "info_fees")
    refunds = money(data.refunds, 0, "refunds")
    double_refunds = money(data.double_refunds, 0, "double_refunds")
    statement = Statement.objects.select_for_update().filter(partner=partner, month=month).first()
    if statement is not None and statement.status != StatementStatus.DRAFT:
        raise Conflict(_("本月结算单已发布，不能重新生成"), code="published")
    start, end = month_bounds(month)
    match_all(list(Complaint.objects.filter(received_at__gte=start, received_at__lt=end)))
    values = {
        "test_score": score,
        "info_fees": fees,
        "refunds": refunds,
        "double_refunds": double_refunds,
        "hotline": partner.hotline if data.hotline is None else data.hotline,
        "prepared_by": actor,
    }
    if statement is None:
        statement = Statement.objects.create(partner=partner, month=month, **values)
    else:
        for key, value in values.items():
            setattr(statement, key, value)
        statement.save()
        statement.items.all().delete()
    Item.objects.bulk_create(_items(statement))
    return statement


def no_reduction_reason(statement: Statement) -> str:
    """Why no reduction may be asked this month (002-40), or ''."""
    start, end = month_bounds(statement.month)
    upgraded = Attribution.objects.filter(
        partner=statement.partner, upgraded=True, complaint__received_at__gte=start, complaint__received_at__lt=end
    ).count()
    violations = Inquiry.objects.filter(
        partner=statement.partner,
        status=InquiryStatus.ESTABLISHED,
        published_on__gte=statement.month,
        published_on__lt=end.date(),
    ).count()
    parts = []
    if upgraded:
        parts.append(_("升级投诉%(n)d件") % {"n": upgraded})
    if violations:
        parts.append(_("经核实的违约行为%(n)d起") % {"n": violations})
    return "、".join(parts)


@transaction.atomic(durable=True)
def publish(*, actor: User, statement_id: int) -> Statement:
    require_desk(actor)
    statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("结算单不存在"), statement=statement_id)
    if statement.status != StatementStatus.DRAFT:
        raise Conflict(_("结算单已发布"), code="published")
    today = timezone.localdate()
    why = no_reduction_reason(statement)
    statement.no_reduction, statement.no_reduction_why = bool(why), why
    statement.status = StatementStatus.PUBLISHED
    statement.published_on = today
    # 「3天之内」(002-37): natural days, the publication day not counted (ours: the seed says 天).
    statement.dispute_until = today + dt.timedelta(days=active().partners.dispute_days)
    statement.save()
    return statement


def publish_due(statement: Statement) -> dt.date:
    """The day the statement is to be published by: the preset's day of the following month."""
    following = (statement.month + dt.timedelta(days=32)).replace(day=1)
    return following.replace(day=active().partners.statement_by_day)


class DisputeIn(Input):
    item: int = Field(ge=1, le=2**31, description="有异议的项目（序号）")
    reason: str = Field(min_length=1, max_length=2000, description="具体原因（逐条写明，002-37）")


@transaction.atomic(durable=True)
def dispute(*, actor: User, statement_id: int, data: DisputeIn) -> Item:
    """The partner disputes one item with its reason, within the window."""
    if member_of(actor) is None:
        raise NotFound(_("结算单不存在"), statement=statement_id)
    statement = access_statement(actor, statement_id)
    if statement.status != StatementStatus.PUBLISHED or statement.dispute_until is None:
        raise Conflict(_("结算单已确定，不能再提出异议"), code="final")
    if timezone.localdate() > statement.dispute_until:
        raise Conflict(_("异议期已于%(day)s届满") % {"day": statement.dispute_until.isoformat()}, code="dispute_closed")
    # Asked again now: a violation of the month may have been verified since publication.
    why = statement.no_reduction_why or no_reduction_reason(statement)
    if why:
        raise Conflict(_("本月有%(why)s，当月全部投诉均不可以申请核减") % {"why": why}, code="no_reduction")
    reason = data.reason.strip()
    if not reason:
        raise ValidationFailed(_("请逐条写明异议的具体原因"), field="reason")
    item = statement.items.select_for_update().filter(position=data.item).first()
    if item is None:
        raise ValidationFailed(_("结算单没有第%(n)d项") % {"n": data.item}, field="item")
    if item.dispute:
        raise Conflict(_("第%(n)d项已提出异议") % {"n": data.item}, code="disputed")
    item.dispute, item.reason = DisputeStatus.PENDING, reason
    item.disputed_at, item.disputed_by = timezone.now(), actor
    item.save()
    return item


class DecisionIn(Input):
    item: int = Field(ge=1, le=2**31, description="项目序号")
    decision: str = Field(
        description="accepted 异议成立、核减；refused 异议不成立；unclear 原因表述不清、不予核减（002-38）"
    )
    note: str = Field("", max_length=2000, description="处理意见")


@transaction.atomic(durable=True)
def decide(*, actor: User, statement_id: int, data: DecisionIn) -> Item:
    require_desk(actor)
    statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("结算单不存在"), statement=statement_id)
    choices = (DisputeStatus.ACCEPTED, DisputeStatus.REFUSED, DisputeStatus.UNCLEAR)
    if data.decision not in choices:
        raise ValidationFailed(_("请选择异议成立、不成立或原因表述不清"), field="decision", allowed=list(choices))
    if statement.status != StatementStatus.PUBLISHED:
        raise Conflict(_("结算单已确定"), code="final")
    item = statement.items.filter(position=data.item).first()
    if item is None:
        raise ValidationFailed(_("结算单没有第%(n)d项") % {"n": data.item}, field="item")
    if item.dispute != DisputeStatus.PENDING:
        raise Conflict(_("第%(n)d项没有待处理的异议") % {"n": data.item}, code="no_dispute")
    if data.decision == DisputeStatus.ACCEPTED and statement.no_reduction:
        raise Conflict(_("当月不得核减（002-40）"), code="no_reduction")
    item.dispute = DisputeStatus(data.decision)
    item.decision_note = data.note.strip() or (
        _("原因表述不清楚，不予核减。") if item.dispute == DisputeStatus.UNCLEAR else ""
    )
    item.decided_at, item.decided_by = timezone.now(), actor
    item.save()
    return item


@transaction.atomic(durable=True)
def finalise(*, actor: User, statement_id: int) -> Statement:
    """The final figure: once the dispute window has passed and every dispute is decided."""
    require_desk(actor)
    statement = Statement.objects.select_for_update().filter(pk=statement_id).first()
    if statement is None:
        raise NotFound(_("结算单不存在"), statement=statement_id)
    if statement.status != StatementStatus.PUBLISHED or statement.dispute_until is None:
        raise Conflict(_("只有已发布的结算单可以确定"), code="not_published")
    if timezone.localdate() <= statement.dispute_until:
        raise Conflict(
            _("异议期至%(day)s，届满后才能确定") % {"day": statement.dispute_until.isoformat()}, code="dispute_open"
        )
    if statement.items.filter(dispute=DisputeStatus.PENDING).exists():
        raise Conflict(_("尚有异议未处理"), code="disputes_pending")
    statement.status = StatementStatus.FINAL
    statement.finalised_at = timezone.now()
    statement.save()
    return statement


def totals(statement: Statement) -> dict[str, Decimal | int]:
    """The original and the final figures (002-41: counts for credit scoring stay the original)."""
    items = statement.items.all()
    complaint_kinds = (ItemKind.COMPLAINT, ItemKind.UPGRADED, ItemKind.FINE)
    original = items.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    reduced = items.filter(dispute=DisputeStatus.ACCEPTED).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    count = items.filter(kind__in=complaint_kinds).count()
    reduced_count = items.filter(kind__in=complaint_kinds, dispute=DisputeStatus.ACCEPTED).count()
    return {
        "original_total": original.quantize(CENT),
        "reduced": reduced.quantize(CENT),
        "final_total": (original - reduced).quantize(CENT),
        "original_count": count,
        "final_count": count - reduced_count,
    }
