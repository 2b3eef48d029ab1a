"""/api/v1/notifications: the caller's deadline reminders and overdue notices."""

from typing import Any

from ninja import Router, Schema
from pydantic import Field

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import BODY, Marked, Notices, contract
from tousu.complaints import notices
from tousu.complaints.inputs import Id
from tousu.complaints.notify import mark_read

router = Router(tags=["notifications"])


@router.get("", **contract({200: Notices}, 422), summary="我的提醒")
def list_notifications(request: AuthedRequest, unread: bool = False, limit: int = 50) -> dict[str, Any]:
    rows = notices.notifications_for(request.auth, unread_only=unread, limit=limit)
    return {"unread": notices.unread_count(request.auth), "items": [notices.notification_row(n) for n in rows]}


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500)


@router.post("/read", **contract({200: Marked}, *BODY), summary="标记已读")
def read(request: AuthedRequest, body: ReadIn) -> dict[str, int]:
    return {"marked": mark_read(actor=request.auth, ids=body.ids)}
