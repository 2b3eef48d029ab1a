"""Who sees which partner (issue 15 §5). A partner's own account (``PartnerMember``) is a user
with no complaint access at all — scope 「本人案件」, no unit, handling nothing — who sees its own
partner's inquiries and published statements and nothing of any other partner: what it may not
see is answered NotFound, exactly like what does not exist. Staff of the SP desk (管理员、投诉中心、
质量负责人) publish, decide and settle; other staff read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, User
from tousu.complaints.preset import active
from tousu.core.errors import Conflict, NotFound, NotPermitted
from tousu.partners.models import Inquiry, Partner, Statement, StatementStatus

DESK_ROLES = frozenset({Role.ADMIN, Role.CENTER, Role.QUALITY})


def member_of(user: User) -> Partner | None:
    """The partner whose own account ``user`` is, or None for staff."""
    member = getattr(user, "partner_member", None)
    return member.partner if member is not None else None


def require_enabled() -> None:
    if not active().partners.enabled:
        raise Conflict(_("本预设未启用合作方信用与结算"), code="partners_disabled")


def require_staff(user: User) -> None:
    """Staff only: a partner's account is told the page does not exist."""
    if member_of(user) is not None:
        raise NotFound(_("页面不存在"))


def is_desk(user: User) -> bool:
    """Staff of the SP desk: administrators, the centre and the quality head."""
    return member_of(user) is None and (user.is_superuser or user.role in DESK_ROLES)


def require_desk(user: User) -> None:
    require_staff(user)
    if not is_desk(user):
        raise NotPermitted(_("只有管理员、投诉中心和质量负责人可以办理合作方核查与结算"))


def visible_partners(user: User) -> QuerySet[Partner]:
    own = member_of(user)
    qs = Partner.objects.all()
    return qs.filter(pk=own.pk) if own is not None else qs


def access_partner(user: User, code: str) -> Partner:
    partner = visible_partners(user).filter(code=code).first()
    if partner is None:
        raise NotFound(_("合作方不存在"), partner=code)
    return partner


def visible_inquiries(user: User) -> QuerySet[Inquiry]:
    own = member_of(user)
    qs = Inquiry.objects.select_related("partner")
    return qs.filter(partner=own) if own is not None else qs


def access_inquiry(user: User, pk: int) -> Inquiry:
    inquiry = visible_inquiries(user).filter(pk=pk).first()
    if inquiry is None:
        raise NotFound(_("核查通知不存在"), inquiry=pk)
    return inquiry


def visible_statements(user: User) -> QuerySet[Statement]:
    own = member_of(user)
    qs = Statement.objects.select_related("partner")
    if own is None:
        return qs
    # A draft is the desk's working copy: the partner sees a statement once it is published.
    return qs.filter(partner=own).exclude(status=StatementStatus.DRAFT)


def access_statement(user: User, pk: int) -> Statement:
    statement = visible_statements(user).filter(pk=pk).first()
    if statement is None:
        raise NotFound(_("结算单不存在"), statement=pk)
    return statement
