"""What the public may read of a complaint (issue 13, SPEC §8): one whitelist, used by the portal's
page and by ``GET /api/v1/public/complaints/{number}``.

Only the fields named here leave the server: the status, the dates the complainant was told, the
handling unit's name, the reply (or the reason for not accepting) once given, and the steps of the
history as dates and names of the step. Never the internal notes, findings, solution, proposed
reply, the people who handled the case, the redacted text, the history's actors or notes, other
complainants or the respondents. ``tests/test_public_view.py`` plants all of those and looks for
them in both faces.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from typing_extensions import TypedDict  # pydantic reads it as the public API's answer

from tousu.complaints.guards import review_window
from tousu.complaints.models import Complaint, Satisfaction
from tousu.complaints.states import OPEN, Status
from tousu.portal.models import Rating

S = Status
# States in which the reply may be rated, a review requested, material added.
RATEABLE = frozenset({S.REPLIED, S.CLOSED})
REVIEWABLE = frozenset({S.CLOSED, S.DECLINED})
MATERIAL = frozenset(OPEN | {S.CLOSED, S.DECLINED})
# States with a deadline the complainant waits on (handling, or the review); a replied case's next
# deadline is the organisation's return visit, not the complainant's business.
WAITING = frozenset(OPEN - {S.REPLIED})
# The steps of the history a complainant is shown, by the name of the step (never who or why).
PUBLIC_STEPS: dict[str, Promise] = {
    "register": gettext_lazy("登记"),
    "convert": gettext_lazy("转为投诉"),
    "accept": gettext_lazy("受理"),
    "decline": gettext_lazy("不予受理"),
    "dispatch": gettext_lazy("分办至承办单位"),
    "sign": gettext_lazy("承办单位签收"),
    "suspend": gettext_lazy("中止办理"),
    "resume": gettext_lazy("恢复办理"),
    "resolve_on_spot": gettext_lazy("答复"),
    "reply": gettext_lazy("答复"),
    "follow_up": gettext_lazy("回访"),
    "rate": gettext_lazy("投诉人评价"),
    "request_review": gettext_lazy("申请复核"),
    "decide_review": gettext_lazy("复核决定"),
    "add_material": gettext_lazy("投诉人补充材料"),
    "archive": gettext_lazy("归档"),
    "withdraw": gettext_lazy("撤诉"),
    "merge": gettext_lazy("并入其他投诉件"),
    "reopen": gettext_lazy("重新办理"),
}


class PublicStep(TypedDict):
    date: dt.date
    step: str


class PublicView(TypedDict):
    number: str
    status: str
    status_label: str
    received_on: dt.date
    due_on: dt.date | None
    handling_unit: str
    reply_text: str
    replied_on: dt.date | None
    decline_text: str
    forwarded_to: str
    review_until: dt.date | None
    rating: str
    rating_label: str
    steps: list[PublicStep]
    may_rate: bool
    may_request_review: bool
    may_add_material: bool
    may_withdraw: bool


def _day(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _reply_given(c: Complaint) -> bool:
    return bool(c.replied_at) and c.status not in {S.REGISTERED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS}


def public_view(complaint: Complaint) -> PublicView:
    """The public view of ``complaint`` (whose number and query code the caller has proved)."""
    c = complaint
    rating = Rating.objects.filter(complaint=c).values_list("satisfaction", flat=True).first() or ""
    replied = _reply_given(c)
    steps: list[PublicStep] = [
        {"date": timezone.localdate(at), "step": str(PUBLIC_STEPS[action])}
        for action, at in c.events.filter(action__in=PUBLIC_STEPS).order_by("seq").values_list("action", "created_at")
    ]
    return {
        "number": c.number,
        "status": c.status,
        "status_label": str(Status(c.status).label),
        "received_on": timezone.localdate(c.received_at),
        "due_on": _day(c.due_at) if c.status in WAITING else None,
        "handling_unit": c.handling_unit.name if c.handling_unit_id and c.handling_unit else "",
        "reply_text": c.reply_text if replied else "",
        "replied_on": _day(c.replied_at) if replied else None,
        "decline_text": c.decline_text if c.status == S.DECLINED or c.review_from == S.DECLINED else "",
        "forwarded_to": c.forwarded_to if c.status == S.DECLINED else "",
        "review_until": _day(c.review_window_ends) if c.status in REVIEWABLE else None,
        "rating": rating,
        "rating_label": str(Satisfaction(rating).label) if rating else "",
        "steps": steps,
        "may_rate": replied and c.status in RATEABLE and not rating,
        "may_request_review": c.status in REVIEWABLE and review_window(None, c) is None,
        "may_add_material": c.status in MATERIAL,
        "may_withdraw": c.status in OPEN,
    }
