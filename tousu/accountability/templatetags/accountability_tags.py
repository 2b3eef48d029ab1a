"""The 「责任认定」 card of the staff's complaint page:
``{% load accountability_tags %}{% determination_card %}``: the determination once it stands, with
its sanctions and the forms of whoever may act on them (the panel confirms, the level above decides
an appeal); before it, the panel's link to the determination form."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from tousu.accountability.models import Sanction, SanctionStatus
from tousu.accountability.sanctions import above
from tousu.accountability.selectors import determination_of
from tousu.complaints.access import may_take, recused
from tousu.complaints.preset import active

register = template.Library()


@register.inclusion_tag("accountability/_determination.html", takes_context=True)
def determination_card(context: Any) -> dict[str, Any]:
    c, user = context["c"], context["request"].user
    people = recused(c)
    det = determination_of(c)
    if det is None:
        return {"det": None, "c": c, "may_determine": may_take(user, c, "determine", people)}
    policy = active().accountability.sanctions
    appealed = Sanction.objects.filter(complaint=c, status=SanctionStatus.APPEALED).select_related(
        "confirmed_by__unit", "appeal"
    )
    deciding = may_take(user, c, "decide_appeal", people)
    return {
        "det": det,
        "c": c,
        "csrf_token": context.get("csrf_token"),
        "may_confirm": may_take(user, c, "confirm_sanction", people),
        "may_decide": {s.pk for s in appealed if deciding and above(user, s) is None},
        "types": policy.types,
        "factors": [
            *((f, _("从重")) for f in policy.aggravating),
            *((f, _("从轻")) for f in policy.mitigating),
            *((f, _("免予追究")) for f in policy.exempting),
        ],
    }
