"""Template helpers of the demand items on the complaint page and in the result and reply forms."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def declined_reason(value: Any, position: int) -> str:
    """The reason posted for declining item ``position`` (the form's value: position → reason)."""
    if not isinstance(value, dict):
        return ""
    return str(value.get(str(position), value.get(position, "")))


@register.filter
def is_declined(value: Any, position: int) -> bool:
    return isinstance(value, dict) and (str(position) in value or position in value)


@register.simple_tag
def may_edit_demands(user: Any, complaint: Any) -> bool:
    """Whether ``user`` may correct the complaint's demand items now (the action table's
    ``edit_demands`` row: its roles and states)."""
    from tousu.complaints.actions import ACTIONS

    row = ACTIONS["edit_demands"]
    return getattr(user, "role", None) in row.roles and complaint.status in row.sources
