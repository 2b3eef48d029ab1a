"""Idempotent registration (SPEC §8): a hotline, CTI or regulator system that retries a call
gets the complaint it already made, never a second one.

Two handles name "the same registration": the client's own id for the matter
(``RegisterIn.external_id`` within ``source_system``, unique on the complaint) and an
``Idempotency-Key`` header (unique per account, ``IdempotencyKey``). Both are backed by a unique
constraint, so two concurrent retries cannot both insert: the loser's insert fails, its savepoint
rolls back (number included, so numbering stays gap-free) and it answers the winner's complaint.
A handle reused with a different request is refused (``Conflict``), never silently answered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tousu.accounts.models import User
from tousu.complaints.inputs import RegisterIn
from tousu.complaints.models import Complaint, IdempotencyKey
from tousu.core.errors import Conflict, ValidationFailed

# The longest Idempotency-Key a client may send (the column's width).
KEY_MAX = IdempotencyKey._meta.get_field("key").max_length or 200


def digest(data: RegisterIn) -> str:
    """The request as the service received it, canonical JSON hashed: equal bodies, equal digests."""
    body = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class Claim:
    """The handles one registration request carries."""

    principal: str
    key: str
    source_system: str
    external_id: str
    digest: str

    @classmethod
    def of(cls, actor: User, data: RegisterIn, key: str) -> Claim | None:
        """The request's handles; None when it has none (then every request registers anew). A
        source system alone is only recorded."""
        external_id, key, system = data.external_id.strip(), key.strip(), data.source_system.strip()
        if len(key) > KEY_MAX:
            raise ValidationFailed(_("Idempotency-Key 不超过200个字符"), field="Idempotency-Key")
        if not (external_id or key or system):
            return None
        return cls(actor.username, key, system, external_id, digest(data))

    def prior(self) -> Complaint | None:
        """The complaint an earlier request with the same handle made; refused if that request
        differed from this one."""
        found = None
        if self.external_id:
            found = Complaint.objects.filter(source_system=self.source_system, external_id=self.external_id).first()
            if found is not None and found.intake_digest != self.digest:
                raise Conflict(
                    _(
                        "外部编号「%(id)s」（来源系统「%(system)s」）已登记为投诉件 %(number)s，"
                        "本次请求内容与原请求不同，未重复登记。"
                    )
                    % {"id": self.external_id, "system": self.source_system or "—", "number": found.number},
                    code="external_id_reused",
                    number=found.number,
                )
        if found is None and self.key:
            row = IdempotencyKey.objects.filter(principal=self.principal, key=self.key).select_related("complaint")
            found = row[0].complaint if row else None
            if found is not None and found.intake_digest != self.digest:
                raise Conflict(
                    _(
                        "幂等键（Idempotency-Key）「%(key)s」已用于另一次内容不同的登记（投诉件 %(number)s），未重复登记。"
                    )
                    % {"key": self.key, "number": found.number},
                    code="idempotency_key_reused",
                    number=found.number,
                )
        return found

    def record(self, complaint: Complaint) -> None:
        """Write the handles of a complaint just registered (inside its savepoint): a concurrent
        duplicate fails here on the unique constraints."""
        complaint.source_system = self.source_system
        complaint.external_id = self.external_id or None
        complaint.intake_digest = self.digest
        Complaint.objects.filter(pk=complaint.pk).update(
            source_system=complaint.source_system,
            external_id=complaint.external_id,
            intake_digest=complaint.intake_digest,
        )
        if self.key:
            IdempotencyKey.objects.create(principal=self.principal, key=self.key, complaint=complaint)


def purge(now: dt.datetime | None = None) -> int:
    """Forget the Idempotency-Keys older than TOUSU_IDEMPOTENCY_KEEP_DAYS (the daily housekeeping):
    a client retries within minutes, and the complaint keeps its ``external_id`` for good. Returns
    how many went."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.TOUSU_IDEMPOTENCY_KEEP_DAYS)
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
