"""``user|partner_account``: whether the signed-in user is a partner's own account (the menu shows
it the partners' pages only). Costs no query for staff with a unit (``fence.is_partner_account``)."""

from __future__ import annotations

from typing import Any

from django import template

from tousu.partners.fence import is_partner_account

register = template.Library()


@register.filter
def partner_account(user: Any) -> bool:
    return is_partner_account(user)
