"""Labels for stored codes (status, channel, action …), translated at render time."""

from __future__ import annotations

import re
from html import escape
from typing import Any, Literal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from tousu.accounts.models import Role, TokenScope
from tousu.complaints.actions import event_label
from tousu.complaints.dues import TIMING_LABELS
from tousu.complaints.models import (
    Channel,
    DispatchMode,
    DispatchPlan,
    Kind,
    ReplyMethod,
    Satisfaction,
    Substantiated,
    Validity,
)
from tousu.complaints.preset import active, own_label
from tousu.complaints.states import Status
from tousu.presets.base import PERIOD_LABELS, UNIT_LABELS

register = template.Library()

CHOICES = {
    "status": Status,
    "token_scope": TokenScope,
    "channel": Channel,
    "kind": Kind,
    "validity": Validity,
    "mode": DispatchMode,
    "reply_method": ReplyMethod,
    "satisfaction": Satisfaction,
    "substantiated": Substantiated,
    "role": Role,
    "plan_state": DispatchPlan.State,
}


@register.filter
def label(value: Any, kind: str) -> str:
    """``{{ c.channel|label:"channel" }}`` → 热线电话 (or Hotline in English)."""
    if value in (None, ""):
        return ""
    try:
        text = str(CHOICES[kind](value).label)
    except ValueError:
        return str(value)
    group = OWN_LABELS.get(kind)
    return own_label(group, str(value), text) if group else text


# The choices a preset may give names of its own (Preset.labels).
OWN_LABELS: dict[str, Literal["roles", "kinds", "channels"]] = {"role": "roles", "kind": "kinds", "channel": "channels"}


@register.filter
def action_label(action: str) -> str:
    return event_label(action)


@register.filter
def may(user: Any, action: str) -> bool:
    """``{% if user|may:"register" %}``: the user's role may take the action (the action table)."""
    from tousu.complaints.access import may as role_may

    return bool(getattr(user, "is_authenticated", False)) and role_may(user, action)


@register.filter
def timing_label(value: str) -> str:
    return str(TIMING_LABELS.get(value, value or ""))


@register.filter
def flag_label(value: str) -> str:
    return gettext(active().flag_label(value))  # preset labels are msgids (gettext_noop)


# A stored period label (``DeadlineRule.label``, extensions added): "15 工作日", "15+5 工作日".
_PERIOD = re.compile(r"^(?P<amount>\d+(?:\+\d+)*) (?P<unit>\S+)$")
_UNITS = {label: unit for unit, label in UNIT_LABELS.items()}


@register.filter
def period(label: str) -> str:
    """``{{ due.rule|period }}``: "15 工作日" in the language of the page ("15 working days")."""
    found = _PERIOD.match(label or "")
    unit = _UNITS.get(found["unit"]) if found else None
    if found is None or unit is None:
        return label or ""
    return gettext(PERIOD_LABELS[unit]) % {"amount": found["amount"]}


@register.filter
def person(username: str) -> str:
    """``{{ a.uploaded_by|person }}``: a user by name (陈静), not by login name."""
    from tousu.accounts.models import User

    if not username:
        return ""
    return User.objects.filter(username=username).values_list("display_name", flat=True).first() or username


@register.filter
def unit_name(code: str) -> str:
    """``{{ plan.unit|unit_name }}``: a unit by name (县市场监督管理局), not by code."""
    from tousu.accounts.models import Unit

    if not code:
        return ""
    return Unit.objects.filter(code=code).values_list("name", flat=True).first() or code


@register.filter
def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1048576:.1f} MB"


@register.simple_tag
def unread_notifications(user: Any) -> int:
    from tousu.complaints.notices import unread_count

    return unread_count(user) if getattr(user, "is_authenticated", False) else 0


@register.simple_tag
def options(choices: Any, selected: Any = "", width: int = 0) -> str:
    """``<option>``s (and ``<optgroup>``s for grouped choices) with ``selected`` marked and texts
    cut to ``width`` characters: built in Python with the standard library's escape, as filter
    forms repeat hundreds of them on every list page."""
    chosen = {str(v) for v in selected} if isinstance(selected, (list, tuple, set)) else {str(selected or "")}

    def one(value: Any, text: Any) -> str:
        mark = " selected" if str(value) in chosen else ""
        text = cut(str(text), width) if width else str(text)
        return f'<option value="{escape(str(value))}"{mark}>{escape(text)}</option>'

    parts: list[str] = []
    for value, text in choices:
        if isinstance(text, (list, tuple)):
            inner = "".join(one(v, t) for v, t in text)
            parts.append(f'<optgroup label="{escape(str(value))}">{inner}</optgroup>')
        else:
            parts.append(one(value, text))
    return mark_safe("".join(parts))


# Django's own message (its catalogues translate it), named here so ours does not take it in.
_TRUNCATION = ("String to return when truncating text", "%(truncated_text)s…")


def cut(text: str, limit: int) -> str:
    """``truncatechars``: at most ``limit`` characters, the language's truncation mark included
    (Django's, so "..." in Chinese)."""
    if len(text) <= limit:
        return text
    marked = pgettext(*_TRUNCATION)
    keep = max(limit - len(marked % {"truncated_text": ""}), 0)
    return marked % {"truncated_text": text[:keep]}


@register.filter
def get_item(row: Any, key: str) -> Any:
    """``row[key]`` in a template (a ledger row's cell by its column's key)."""
    return row.get(key) if isinstance(row, dict) else None
