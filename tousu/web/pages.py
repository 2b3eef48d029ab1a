"""Template contexts of the larger pages, assembled from selectors (no writes, no request parsing)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tousu.accounts.models import User
from tousu.complaints import custom, letters, selectors
from tousu.complaints.access import access_complaint
from tousu.complaints.actions import ACTIONS
from tousu.complaints.models import Channel, Complaint, DispatchMode, ReasonCode
from tousu.complaints.preset import active
from tousu.complaints.states import OPEN, Status
from tousu.web.auth import StaffRequest
from tousu.web.forms import ActionForm, Choices, ListQuery
from tousu.web.intake_form import custom_form_fields

if TYPE_CHECKING:
    from tousu.complaints.rows import ComplaintDetail

QUEUE_SIZE = 8

DUE_LABELS = {
    "acceptance": _("受理期限"),
    "sign_for": _("签收期限"),
    "handling": _("办理期限"),
    "report_back": _("报告期限"),
    "follow_up": _("回访期限"),
    "review": _("复核期限"),
    "review_window": _("复核申请截止"),
    "co_opinion": _("协办意见期限"),
}


def queues(actor: User) -> list[dict[str, Any]]:
    """The work queues of the home page: a count and the first few of each. 我的待办 holds exactly
    the complaints on which the user must act now, the nearest due first (complaints/work.py)."""
    open_statuses = [s for s in Status.values if s in OPEN]
    mine, mine_count = selectors.queue_page(actor, QUEUE_SIZE)
    result = [
        {
            "key": "mine",
            "title": _("我的待办"),
            "count": mine_count,
            "rows": mine,
            "query": "mine=1",
        }
    ]
    wanted: list[tuple[str, Any, dict[str, Any]]] = []
    if actor.unit is not None:
        wanted.append(("unit", _("本单位"), {"unit": actor.unit.code, "status": open_statuses}))
    wanted += [("due_soon", _("即将到期"), {"due_soon": True}), ("overdue", _("已超期"), {"overdue": True})]
    for key, title, params in wanted:
        f = selectors.ListFilters(limit=QUEUE_SIZE, **params)
        rows, _next = selectors.list_complaints(actor, f)
        result.append(
            {
                "key": key,
                "title": title,
                "count": selectors.filter_complaints(actor, f).count(),
                "rows": rows,
                "query": urlencode({k: "1" if v is True else v for k, v in params.items()}, doseq=True),
            }
        )
    return result


def complaint_page(actor: User, number: str, failed: ActionForm | None = None) -> dict[str, Any]:
    """Everything the complaint page shows, and one form per allowed action.

    ``failed`` is a submitted form that was refused: it replaces the blank form of its action (or
    is added, if the action is no longer allowed) so the user sees the error and keeps the input.
    """
    c = access_complaint(actor, number)
    detail = selectors.complaint_detail(actor, c)
    choices = Choices()
    allowed = detail["allowed_actions"]
    forms = {a: failed if failed and failed.action == a else ActionForm(a, choices, version=c.version) for a in allowed}
    for action in ("dispatch", "propose_dispatch"):
        if action in forms and not (failed and failed.action == action):
            _propose(c, forms[action])
    _draft_replies(actor, c, forms, failed)
    if "follow_up" in forms and c.followup_attempts >= active().thresholds.unreachable_attempts:
        forms["follow_up"].hint = _("已%(k)d次联系不上投诉人：可选择「联系不上」并勾选「多次联系不上，办结」结案。") % {
            "k": c.followup_attempts
        }
    if "lift_conflict" in forms:
        # Only the people marked now can be released.
        forms["lift_conflict"]["user"].choices = [
            (x["user"], x["user_name"]) for x in detail["conflicts"] if not x["lifted"]
        ]
    main = [form for a, form in forms.items() if not ACTIONS[a].secondary]
    if failed and failed.action not in allowed:
        main.insert(0, failed)
    events = selectors.complaint_events(actor, c)
    names = dict(
        User.objects.filter(username__in={e.actor_name for e in events}).values_list("username", "display_name")
    )
    for e in events:
        e.__dict__["display_actor"] = names.get(e.actor_name) or e.actor_name  # for the template
    return {
        "c": c,
        "d": detail,
        "forms": main,
        "page_url": reverse("web:complaint", args=[c.number]),
        "other_forms": [form for a, form in forms.items() if ACTIONS[a].secondary],
        "dues": _dues(c, detail),
        "next_step": next_step(c),
        "may_reveal": _may_reveal(actor, c),
        "custom": custom.shown(detail["custom"], identity=not detail.get("identity_hidden")),
        # Read out or sent while the case runs; a merged, withdrawn or closed one needs no notice.
        "acceptance_notice": letters.fill(active().letters.acceptance, c, actor)
        if c.status in OPEN and c.status != Status.REGISTERED
        else "",
        "co_units": list(c.co_units.all()) if detail["co_units"] else [],
        "decline_reason": _reason_name("decline", detail["decline_reason"]),
        "events": events,
        "has_outcome": any(
            (
                detail["substantiated"],
                detail["findings"],
                detail["solution"],
                detail["reply_text"],
                detail["satisfaction"],
                detail["decline_reason"],
                detail["close_reason"],
            )
        ),
    }


def _may_reveal(actor: User, c: Complaint) -> bool:
    """The reveal form is offered where the action table would let the user take it."""
    from tousu.complaints.access import check_role, check_state
    from tousu.core.errors import TousuError

    action = ACTIONS["reveal_contact"]
    try:
        check_role(actor, c, action)
        check_state(actor, c, action)
    except TousuError:
        return False
    return True


def next_step(c: Complaint) -> list[tuple[str, str, str]]:
    """Who must act now and what (complaints/work.py), as the complaint page says it: the person,
    their unit and the actions."""
    from tousu.complaints.work import holders

    return [
        (str(u), u.unit.name if u.unit else "", "、".join(str(ACTIONS[a].label) for a in actions))
        for u, actions in sorted(holders(c).items(), key=lambda item: (item[0].role, item[0].username))
    ]


def _draft_replies(actor: User, c: Complaint, forms: dict[str, ActionForm], failed: ActionForm | None) -> None:
    """Start the reply and the proposed reply from the preset's reply letter; the reply from the
    approved proposal where there is one."""
    template = active().letters.reply
    for action, field in (("submit_result", "proposed_reply"), ("reply", "text")):
        if action not in forms or (failed and failed.action == action):
            continue
        draft = c.proposed_reply if action == "reply" and c.proposed_reply else letters.fill(template, c, actor)
        if draft:
            forms[action][field].value = draft


def _propose(c: Complaint, form: ActionForm) -> None:
    """Fill the dispatch form with the routing proposal and say which rule made it."""
    from tousu.complaints.routing import propose

    proposal = propose(c)
    if proposal is None:
        form.hint = _("没有适用的分办规则，请选择承办单位和分办方式。")
        return
    form["unit"].value, form["mode"].value, form["redacted"].value = (
        proposal.unit.code,
        proposal.mode,
        proposal.redacted,
    )
    form.hint = _("建议：%(unit)s，%(mode)s（规则「%(rule)s」）。可确认或改派。") % {
        "unit": proposal.unit.name,
        "mode": DispatchMode(proposal.mode).label,
        "rule": proposal.rule,
    }


def _dues(c: Complaint, detail: ComplaintDetail) -> list[dict[str, Any]]:
    """The due dates that are set; the one running now carries the complaint's timing."""
    current = detail["timing"] if c.due_at else ""
    rules = detail["due_rules"]
    none: dict[str, Any] = {}
    return [
        {
            "kind": kind,
            "label": DUE_LABELS.get(kind, kind),
            "at": at,
            "timing": current if at == c.due_at else "",
            "rule": rules.get(kind, none).get("label", ""),
            "rule_name": rules.get(kind, none).get("rule", ""),
            "provisional": rules.get(kind, none).get("provisional", False),
        }
        for kind, at in detail["due"].items()
        if at
    ]


def _reason_name(group: str, code: str | None) -> str:
    if not code:
        return ""
    row = ReasonCode.objects.in_force().filter(group=group, code=code).first()
    return row.name if row else code


def list_page(request: StaffRequest, query: ListQuery, page: selectors.Page) -> dict[str, Any]:
    choices = Choices()
    params = request.GET.copy()
    params.pop("cursor", None)
    next_url = ""
    if page.next_cursor:
        params["cursor"] = str(page.next_cursor)
        next_url = "?" + params.urlencode()
        params.pop("cursor")
    return {
        "q": query,
        "rows": page.rows,
        # 第 26–50 条，共 132 条
        "position": {
            "first": page.first,
            "last": page.first + len(page.rows) - 1,
            "total": page.total,
            "more": page.more,
        },
        "next_url": next_url,
        "first_url": "?" + params.urlencode() if query.cursor else "",
        "export_query": params.urlencode(),
        "statuses": Status.choices,
        "channels": choices("channels"),
        "kinds": choices("kinds"),
        "custom_filters": _custom_filters(request),
        "units": choices("units"),
        "categories": choices("categories"),
        "grades": choices("grades"),
    }


def _custom_filters(request: StaffRequest) -> list[Any]:
    """The list's filter inputs for the preset's custom fields, holding what was asked."""
    fields = custom_form_fields("cf_", filtering=True)
    for f in fields:
        f.value = request.GET.get(f.name, "")
    return fields


def units_page() -> dict[str, Any]:
    from tousu.accounts.services import unit_tree

    members: dict[str, list[tuple[str, str]]] = {}
    for u in User.objects.filter(is_active=True, unit__isnull=False).select_related("unit").order_by("username"):
        if u.unit is not None:  # all of them: unit__isnull=False
            members.setdefault(u.unit.code, []).append((u.username, str(u)))
    tree = unit_tree()
    for row in tree:
        row["members"] = members.get(row["code"], [])
        row["hours_text"] = ", ".join(f"{a}-{b}" for a, b in row["business_hours"])
    return {"units": tree, "parents": [(u["code"], "\u3000" * u["depth"] + u["name"]) for u in tree if u["active"]]}


def routing_page() -> dict[str, Any]:
    from tousu.accounts.models import Unit
    from tousu.complaints.models import Category, RoutingRule
    from tousu.complaints.routing import LIST_FIELDS, rule_row

    choices = Choices()
    verbose_names = {f.name: f.verbose_name for f in RoutingRule._meta.fields}
    # The conditions as a reader wants them: units, categories and channels by name.
    named: dict[str, dict[str, str]] = {
        "respondent_units": dict(Unit.objects.values_list("code", "name")),
        "categories": dict(Category.objects.in_force().values_list("code", "name")),
        "channels": dict(choices("channels")),
    }
    rules = []
    for r in RoutingRule.objects.select_related("unit"):
        row = rule_row(r)
        row["unit_name"] = r.unit.name if r.unit else ""
        row["mode_label"] = r.get_mode_display()
        row["text"] = {f: ", ".join(row[f]) for f in LIST_FIELDS}
        row["conditions"] = [
            (verbose_names[f], "、".join(named.get(f, {}).get(str(v), str(v)) for v in row[f]))
            for f in LIST_FIELDS
            if row[f]
        ]
        rules.append(row)
    return {"rules": rules, "units": choices("units"), "modes": choices("dispatch_modes"), "channels": Channel.choices}


def calendar_page() -> dict[str, Any]:
    from tousu.calendar import store
    from tousu.calendar.models import CalendarDay, CalendarYear

    return {
        "summary": store.summary(),
        "overrides": CalendarDay.objects.order_by("-date")[:200],
        "imported": CalendarYear.objects.order_by("-year"),
        "provisional_complaints": Complaint.objects.filter(dues_provisional=True).count(),
    }


def parse_day_override(data: Any) -> tuple[dt.date, bool | None]:
    """The date and the new status from the override form; ValueError with a readable message."""
    try:
        day = dt.date.fromisoformat(data.get("date", "").strip())
    except ValueError:
        raise ValueError(_("日期格式不正确")) from None
    statuses: dict[str, bool | None] = {"work": True, "rest": False, "statutory": None}
    status = data.get("status", "")
    if status not in statuses:
        raise ValueError(_("请选择上班、休息或恢复法定安排"))
    return day, statuses[status]
