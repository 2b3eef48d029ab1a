"""The panel's pages (issue 15): the determination form, the confirmation of each proposed
sanction and the decision on an appeal (on the complaint page's 「责任认定」 card), and 「我的处理」
where the sanctioned read what was decided about them and appeal. Each parses, calls one service;
the determination form keeps what was typed when it is refused."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tousu.accountability import sanctions, selectors, services
from tousu.accountability.models import Sanction
from tousu.accounts.models import Role, Unit, User
from tousu.complaints.access import access_complaint, may_take
from tousu.complaints.preset import active
from tousu.core.errors import NotFound, NotPermitted, TousuError, ValidationFailed
from tousu.web.auth import StaffRequest
from tousu.web.forms import parse
from tousu.web.views import posted, staff_view

ROWS = 5  # share rows the form offers


def _shares(post: Any) -> list[dict[str, Any]]:
    rows = []
    for n in range(ROWS):
        who, percent = post.get(f"who-{n}", ""), post.get(f"percent-{n}", "").strip()
        if not who and not percent:
            continue
        kind, _sep, code = who.partition(":")
        rows.append(
            {
                "unit": code if kind == "unit" else "",
                "person": code if kind == "person" else "",
                "percent": percent,
                "factors": post.getlist(f"factors-{n}"),
            }
        )
    return rows


def _choices() -> dict[str, Any]:
    policy = active().accountability
    return {
        "liable_reasons": policy.liable_reasons,
        "not_liable_reasons": policy.not_liable_reasons,
        "factors": [
            *((f, _("从重")) for f in policy.sanctions.aggravating),
            *((f, _("从轻")) for f in policy.sanctions.mitigating),
            *((f, _("免予追究")) for f in policy.sanctions.exempting),
        ],
        "units": Unit.objects.filter(active=True).order_by("path"),
        "people": User.objects.filter(is_active=True).exclude(role__in=(Role.ADMIN,)).select_related("unit")
        .order_by("unit__path", "username"),
        "members": User.objects.filter(is_active=True, role__in=(Role.PANEL, Role.CENTER, Role.HEAD, Role.QUALITY))
        .select_related("unit").order_by("role", "username"),
    }  # fmt: skip


@staff_view
def determination(request: StaffRequest, number: str) -> HttpResponse:
    complaint = access_complaint(request.user, number)
    if not may_take(request.user, complaint, "determine"):
        raise NotPermitted(_("只有责任认定小组可以对已办结的投诉作出责任认定"))
    post = request.POST
    values: dict[str, Any] = {"panel": [request.user.username], "decided_on": timezone.localdate().isoformat()}
    status = 200
    if request.method == "POST":
        values = {
            "liable": post.get("liable", ""),
            "reasons": post.getlist("reasons"),
            "loss": post.get("loss", "").strip() or "0",
            "shares": _shares(post),
            "panel": post.getlist("panel"),
            "decided_on": post.get("decided_on", "").strip() or None,
            "note": post.get("note", ""),
        }
        try:
            if values["liable"] not in ("yes", "no"):
                raise ValidationFailed(_("请选择有责或无责"), field="liable")
            data = parse(services.DeterminationIn, **{**values, "liable": values["liable"] == "yes"})
            services.determine(actor=request.user, number=number, data=data)
        except NotFound:
            raise
        except TousuError as err:
            messages.error(request, err.message)
            status = err.status
        else:
            messages.success(request, _("已作出责任认定；请逐项确认处理规定提出的处理"))
            return redirect(reverse("web:complaint", args=[number]) + "#determination")
    typed = [
        {"n": n, "who": post.get(f"who-{n}", ""), "percent": post.get(f"percent-{n}", ""),
         "factors": post.getlist(f"factors-{n}")}
        for n in range(ROWS)
    ]  # fmt: skip
    context = {"c": complaint, "v": values, "share_rows": typed, **_choices()}
    return render(request, "web/determination.html", context, status=status)


def _money(value: str) -> str | None:
    return value.strip() or None


@staff_view
@require_POST
def confirm(request: StaffRequest, number: str, sanction: int) -> HttpResponse:
    post = request.POST

    def call() -> Sanction:
        data = parse(
            sanctions.ConfirmIn,
            factors=post.getlist("factors") if post.get("refactor") else None,
            kind=post.get("kind") or None,
            fine=_money(post.get("fine", "")),
            points=_money(post.get("points", "")),
            waive=bool(post.get("waive")),
            reason=post.get("reason", ""),
        )
        return sanctions.confirm(actor=request.user, number=number, sanction=sanction, data=data)

    posted(request, call, lambda s: _("已确认处理") if s.kind else _("已决定不予处理"))
    return redirect(reverse("web:complaint", args=[number]) + f"#sanction-{sanction}")


@staff_view
@require_POST
def decide(request: StaffRequest, number: str, sanction: int) -> HttpResponse:
    post = request.POST

    def call() -> Sanction:
        data = parse(
            sanctions.DecideAppealIn,
            outcome=post.get("outcome", ""),
            decision=post.get("decision", ""),
            kind=post.get("kind") or None,
            fine=_money(post.get("fine", "")),
            points=_money(post.get("points", "")),
        )
        return sanctions.decide_appeal(actor=request.user, number=number, sanction=sanction, data=data)

    posted(request, call, _("已作出申诉决定，该决定为最终决定"))
    return redirect(reverse("web:complaint", args=[number]) + f"#sanction-{sanction}")


@staff_view
@require_GET
def mine(request: StaffRequest) -> HttpResponse:
    rows = selectors.sanction_rows(selectors.visible_to_subject(request.user))
    return render(request, "web/my_sanctions.html", {"rows": rows})


@staff_view
@require_POST
def appeal(request: StaffRequest, sanction: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    posted(
        request,
        lambda: sanctions.appeal(actor=request.user, sanction=sanction, data=parse(sanctions.AppealIn, reason=reason)),
        _("已提出申诉；申诉期间处理暂不生效，由上一级作出最终决定"),
    )
    return redirect(reverse("web:my_sanctions") + f"#sanction-{sanction}")
