"""The 「文书」 section of the staff's complaint page: ``{% load letter_tags %}{% letters_section %}``."""

from __future__ import annotations

from typing import Any

from django import template

from tousu.complaints.states import Status
from tousu.letters import library, selectors

register = template.Library()


@register.inclusion_tag("letters/_letters_section.html", takes_context=True)
def letters_section(context: Any) -> dict[str, Any]:
    c, user = context["c"], context["request"].user
    may_make = c.status != Status.ARCHIVED
    return {
        "c": c,
        "csrf_token": context.get("csrf_token"),
        "letters": selectors.letters_of(user, c.number),
        "choices": library.available(user, c) if may_make else [],
    }
