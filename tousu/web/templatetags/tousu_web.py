"""Labels for stored codes (status, channel, action …), translated at render time."""
from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import Role
from tousu.complaints.models import (
    Channel, DispatchMode, DispatchPlan, Kind, ReplyMethod, Satisfaction, Substantiated, Validity,
)
from tousu.complaints.states import TRANSITIONS, Status
from tousu.web.forms import FLAG_LABELS

register = template.Library()

CHOICES = {
    "status": Status, "channel": Channel, "kind": Kind, "validity": Validity, "mode": DispatchMode,
    "reply_method": ReplyMethod, "satisfaction": Satisfaction, "substantiated": Substantiated, "role": Role,
    "plan_state": DispatchPlan.State,
}
# Events that are not lifecycle transitions.
EVENT_LABELS = {"register": _("登记"), "attach": _("上传附件"), "recompute_dues": _("重新计算期限")}
from tousu.complaints.selectors import TIMING_LABELS  # noqa: E402


@register.filter
def label(value: Any, kind: str) -> str:
    """``{{ c.channel|label:"channel" }}`` → 热线电话 (or Hotline in English)."""
    if value in (None, ""):
        return ""
    try:
        return str(CHOICES[kind](value).label)
    except ValueError:
        return str(value)


@register.filter
def action_label(action: str) -> str:
    t = TRANSITIONS.get(action)
    return str(t.label) if t else str(EVENT_LABELS.get(action, action))


@register.filter
def timing_label(value: str) -> str:
    return str(TIMING_LABELS.get(value, value or ""))


@register.filter
def flag_label(value: str) -> str:
    return str(FLAG_LABELS.get(value, value))


@register.filter
def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f} MB"


@register.simple_tag
def unread_notifications(user: Any) -> int:
    from tousu.complaints.selectors import unread_count

    return unread_count(user) if getattr(user, "is_authenticated", False) else 0
