"""Template helpers of the detection panel on the complaint page."""

from __future__ import annotations

from django import template

from tousu.complaints.models import Grade

register = template.Library()


@register.simple_tag
def grade_choices() -> list[tuple[str, str]]:
    """The grades in force, lowest first: the override form's options."""
    return list(Grade.objects.in_force().order_by("rank").values_list("code", "name"))
