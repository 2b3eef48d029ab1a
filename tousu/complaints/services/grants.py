"""Identity access in the redacted view (摘转): asked with a reason, decided by the centre, and
attachments released one by one (SPEC §1, §7; seed 004 art. 17). Who may ask and decide is the
action table's (``request_identity``, ``decide_identity``, ``release_attachment``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.inputs import IdentityDecision, IdentityRequest, ReleaseAttachment, RevealContact
from tousu.complaints.models import Attachment, IdentityGrant
from tousu.complaints.rows import ContactPerson
from tousu.complaints.services.common import begin, finish, require
from tousu.core.errors import Conflict, NotFound


@transaction.atomic(durable=True)
def request_identity(*, actor: User, number: str, data: IdentityRequest) -> IdentityGrant:
    complaint, before = begin(actor, number, "request_identity", data)
    reason = require(data.reason, "reason", _("请说明需要查看投诉人信息的理由"))
    grant = IdentityGrant.objects.create(complaint=complaint, user=actor, reason=reason, requested_at=timezone.now())
    finish(
        complaint,
        actor=actor,
        action="request_identity",
        before=before,
        note=reason,
        payload={"grant": grant.pk, "user": actor.username},
    )
    return grant


@transaction.atomic(durable=True)
def reveal_contact(*, actor: User, number: str, data: RevealContact) -> list[ContactPerson]:
    """The complainants' full phone numbers and e-mail addresses, for whoever the preset lets call
    them back; every reveal is an event with its reason (SPEC §7)."""
    complaint, before = begin(actor, number, "reveal_contact", data)
    reason = require(data.reason, "reason", _("请说明查看完整联系方式的理由"))
    people: list[ContactPerson] = [
        {"name": p.name, "phone": p.phone, "email": p.email} for p in complaint.complainants.all() if p.phone or p.email
    ]
    finish(complaint, actor=actor, action="reveal_contact", before=before, note=reason, payload={"people": len(people)})
    return people


@transaction.atomic(durable=True)
def decide_identity(*, actor: User, number: str, data: IdentityDecision) -> IdentityGrant:
    """A centre supervisor's decision on an identity request; recorded as an event."""
    complaint, before = begin(actor, number, "decide_identity", data)
    grant = complaint.identity_grants.select_related("user").filter(pk=data.grant).first()
    if grant is None:
        raise NotFound(_("没有这项申请"))
    if grant.approved is not None:
        raise Conflict(_("此申请已经处理"), code="identity_request_decided")
    grant.approved, grant.decided_by, grant.decided_at = data.approved, actor, timezone.now()
    grant.save()
    finish(
        complaint,
        actor=actor,
        action="decide_identity",
        before=before,
        note=data.note,
        payload={"grant": grant.pk, "user": grant.user.username, "approved": grant.approved},
    )
    return grant


@transaction.atomic(durable=True)
def release_attachment(*, actor: User, number: str, data: ReleaseAttachment) -> Attachment:
    """Let those who see the redacted view download one attachment; releasing it again changes
    nothing."""
    complaint, before = begin(actor, number, "release_attachment", data)
    attachment = complaint.attachments.filter(pk=data.attachment).first()
    if attachment is None:
        raise NotFound(_("附件不存在或未放行"))
    if not attachment.released:
        attachment.released = True
        attachment.save(update_fields=["released"])
        finish(
            complaint,
            actor=actor,
            action="release_attachment",
            before=before,
            payload={"attachment": attachment.pk, "name": attachment.original_name},
        )
    return attachment
