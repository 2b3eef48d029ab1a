"""What a staff member's notices read like (SPEC §6): their list, the unread count, the row the API
answers. Written by ``notify``; read here."""

from __future__ import annotations

from typing import Any

from tousu.accounts.models import User
from tousu.complaints.confidentiality import hidden_ids, scrubbers_for
from tousu.complaints.rows import NotificationRow


def notifications_for(actor: User, *, unread_only: bool = False, limit: int = 50) -> list[Any]:
    """The actor's notices, newest first. A notice is scrubbed when it is written for a recipient
    in the redacted view; it is scrubbed again here for cases hidden from the actor since (a
    redacted re-dispatch, a conflict marked later)."""
    from tousu.complaints.models import Notification

    qs = Notification.objects.filter(recipient=actor).select_related("complaint")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    rows = list(qs.order_by("-id")[: max(1, min(limit, 200))])
    hidden = hidden_ids(actor, {n.complaint_id: n.complaint for n in rows}.values())
    if hidden:
        scrubbers = scrubbers_for([n.complaint for n in rows if n.complaint_id in hidden])
        for n in rows:
            if n.complaint_id in hidden:
                n.message = scrubbers[n.complaint_id](n.message)
    return rows


def unread_count(actor: User) -> int:
    from tousu.complaints.models import Notification

    return Notification.objects.filter(recipient=actor, read_at__isnull=True).count()


def notification_row(n: Any) -> NotificationRow:
    return {
        "id": n.id,
        "kind": n.kind,
        "number": n.complaint.number,
        "message": n.message,
        "due_at": n.due_at,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }
