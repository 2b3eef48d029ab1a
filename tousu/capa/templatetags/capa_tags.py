"""The rectification blocks of the staff's pages: ``{% load capa_tags %}{% capa_card %}`` on the
complaint page (its actions and the form to add one), ``{% capa_queue %}`` on the home page (the
user's own open actions, and how many are overdue)."""

from __future__ import annotations

from typing import Any

from django import template

from tousu.accounts.models import Role, User
from tousu.capa import selectors, services
from tousu.capa.models import Scope
from tousu.complaints.states import Status

register = template.Library()


@register.inclusion_tag("capa/_card.html", takes_context=True)
def capa_card(context: Any) -> dict[str, Any]:
    user, c = context["request"].user, context["c"]
    rows = [selectors.row(user, a, full=False) for a in selectors.of_complaint(user, c)]
    may_add = services.may_manage(user) and c.status != Status.ARCHIVED
    owners = (
        User.objects.filter(is_active=True).exclude(role__in=(Role.ADMIN, Role.AUDITOR)).select_related("unit")
        .order_by("unit__path", "username")[:500]
        if may_add else []
    )  # fmt: skip
    ineffective = [r for r in rows if r["status"] == "ineffective" and r["followed_by"] is None]
    return {
        "c": c,
        "rows": rows,
        "may_add": may_add,
        "kinds": services.kinds_offered(),
        "owners": owners,
        "scopes": Scope.choices,
        "ineffective": ineffective,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("capa/_queue.html", takes_context=True)
def capa_queue(context: Any) -> dict[str, Any]:
    user = context["request"].user
    if user.role in (Role.ADMIN, Role.AUDITOR):  # they never own an action
        return {"show": False}
    pending = selectors.pending(user)
    return {
        "show": True,
        "rows": [selectors.row(user, a, full=False) for a in pending[:10]],
        "count": len(pending),
        "overdue": selectors.overdue_count(user),
    }
