"""The 「责任认定」 card of the staff's complaint page:
``{% load accountability_tags %}{% determination_card %}`` (shown once a determination stands)."""

from __future__ import annotations

from typing import Any

from django import template

from tousu.accountability.selectors import determination_of

register = template.Library()


@register.inclusion_tag("accountability/_determination.html", takes_context=True)
def determination_card(context: Any) -> dict[str, Any]:
    return {"det": determination_of(context["c"])}
