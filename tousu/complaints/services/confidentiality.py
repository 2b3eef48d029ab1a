"""Identity access in the redacted view (摘转): asked with a reason, decided by the centre, and
attachments released one by one (SPEC §1, §7; seed 004 art. 17)."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import Role, User
from tousu.complaints.access import UNIT_ROLES, access_complaint, sees_identity
from tousu.complaints.events import record_event
from tousu.complaints.identity import personally_excluded
from tousu.complaints.models import Attachment, Complaint, IdentityGrant
from tousu.complaints.services.common import require
from tousu.core.errors import Conflict, NotFound, NotPermitted


def _record(complaint: Complaint, actor: User, action: str, note: str, payload: dict) -> None:
    complaint.version += 1
    complaint.save(update_fields=["version"])
    record_event(complaint, actor=actor, action=action, from_status=complaint.status, note=note, payload=payload)


@transaction.atomic(durable=True)
def request_identity(*, actor: User, number: str, reason: str) -> IdentityGrant:
    complaint = access_complaint(actor, number, for_update=True)
    if personally_excluded(actor, complaint):  # no grant opens the identity to the person complained about
        raise NotPermitted(_("您是本件的被投诉人或须回避人员，不能申请查看投诉人信息"), code="identity_excluded")
    if actor.role not in UNIT_ROLES or sees_identity(actor, complaint):
        raise Conflict(_("您已可以查看投诉人信息,无须申请"), code="identity_visible")
    if complaint.identity_grants.filter(user=actor, approved__isnull=True).exists():
        raise Conflict(_("已有申请待投诉中心审批"), code="identity_request_pending")
    reason = require(reason, "reason", _("请说明需要查看投诉人信息的理由"))
    grant = IdentityGrant.objects.create(complaint=complaint, user=actor, reason=reason,
                                         requested_at=timezone.now())
    _record(complaint, actor, "request_identity", reason, {"grant": grant.pk, "user": actor.username})
    return grant


@transaction.atomic(durable=True)
def decide_identity(*, actor: User, number: str, grant_id: int, approved: bool, note: str = "") -> IdentityGrant:
    """A centre supervisor's decision on an identity request; recorded as an event."""
    complaint = access_complaint(actor, number, for_update=True)
    if actor.role != Role.CENTER:
        raise NotPermitted(_("只有投诉中心督办员可以批准查看投诉人信息"))
    grant = complaint.identity_grants.filter(pk=grant_id).first()
    if grant is None:
        raise NotFound(_("没有这项申请"))
    if grant.approved is not None:
        raise Conflict(_("此申请已经处理"), code="identity_request_decided")
    grant.approved, grant.decided_by, grant.decided_at = bool(approved), actor, timezone.now()
    grant.save()
    _record(complaint, actor, "decide_identity", note, {"grant": grant.pk, "user": grant.user.username,
                                                         "approved": grant.approved})
    return grant


@transaction.atomic(durable=True)
def release_attachment(*, actor: User, number: str, attachment_id: int) -> Attachment:
    """Let those who see the redacted view download one attachment."""
    complaint = access_complaint(actor, number, for_update=True)
    if actor.role != Role.CENTER:
        raise NotPermitted(_("只有投诉中心督办员可以放行附件"))
    attachment = complaint.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("附件不存在或未放行"))
    if not attachment.released:
        attachment.released = True
        attachment.save(update_fields=["released"])
        _record(complaint, actor, "release_attachment", "", {"attachment": attachment.pk,
                                                            "name": attachment.original_name})
    return attachment
