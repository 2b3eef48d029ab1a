"""Rectification pages (整改措施, tousu.capa): the list, an action's page with its verification
and the forms its owner and the quality staff use, and the form on the complaint page that makes
one. Each post parses, calls one service, and returns with the outcome as a message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.capa import selectors, services
from tousu.capa.models import Status
from tousu.core.errors import NotFound, TousuError
from tousu.web.auth import StaffRequest
from tousu.web.forms import parse
from tousu.web.views import staff_view


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() and len(text.strip()) < 10 else None


@staff_view
def capa_list(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    overdue = request.GET.get("overdue") == "1"
    mine = request.GET.get("mine") == "1"
    actions = selectors.listing(
        request.user, status=status, owner=request.user.username if mine else "", overdue=overdue
    )
    rows = [selectors.row(request.user, a, full=False) for a in actions]
    return render(
        request,
        "capa/list.html",
        {"rows": rows, "statuses": Status.choices, "status": status, "overdue": overdue, "mine": mine, "here": "capa"},
    )


@staff_view
def capa_detail(request: StaffRequest, action_id: int) -> HttpResponse:
    action = selectors.get(request.user, action_id)
    row = selectors.row(request.user, action)
    may_work = action.owner_id == request.user.pk or services.may_manage(request.user)
    return render(
        request,
        "capa/detail.html",
        {"a": row, "may_work": may_work, "may_manage": services.may_manage(request.user), "here": "capa"},
    )


def _do(request: StaffRequest, step: str, action_id: int) -> None:
    post = request.POST
    if step == "done":
        chosen = [int(v) for v in post.getlist("attachments") if v.isdigit() and len(v) < 10]
        data: Any = parse(services.DoneIn, evidence=post.get("evidence", "")[:6000], attachments=chosen)
        services.record_done(actor=request.user, action_id=action_id, data=data)
        messages.success(request, _("已记录完成，记录在案。"))
    elif step == "batches":
        numbers = [n.strip() for n in post.get("batches", "").replace("，", ",").replace("、", ",").split(",")]
        data = parse(services.BatchesIn, batches=[{"number": n[:100]} for n in numbers if n][:20] or [])
        services.record_batches(actor=request.user, action_id=action_id, data=data)
        messages.success(request, _("已记录批次，记录在案。"))
    else:
        data = parse(services.CancelIn, reason=post.get("reason", "")[:2000])
        services.cancel(actor=request.user, action_id=action_id, data=data)
        messages.success(request, _("已取消，记录在案。"))


@staff_view
@require_POST
def capa_step(request: StaffRequest, action_id: int, step: str) -> HttpResponseBase:
    if step not in ("done", "batches", "cancel"):
        raise NotFound(_("没有这个操作"))
    try:
        _do(request, step, action_id)
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    return redirect("web:capa_detail", action_id)


@staff_view
@require_POST
def capa_new(request: StaffRequest, number: str) -> HttpResponseBase:
    """The form on the complaint page: an action linked to this complaint (and others named)."""
    post = request.POST
    others = [n.strip() for n in post.get("others", "").replace("，", ",").replace("、", ",").split(",") if n.strip()]
    fields: dict[str, Any] = {
        "complaints": [number, *others][:20],
        "kind": post.get("kind", ""),
        "title": post.get("title", "")[:300],
        "description": post.get("description", "")[:6000],
        "owner": post.get("owner", "")[:150],
        "due_on": post.get("due_on") or None,
        "follows": _int(post.get("follows", "")),
    }
    scope = post.get("scope", "default")
    if scope != "default":
        fields["scope"] = scope
        fields["product_name"] = post.get("product_name", "")[:200]
        fields["category"] = post.get("category", "")[:40]
        fields["unit"] = post.get("unit", "")[:40]
        if scope:
            fields["measure"] = post.get("measure") or None
            fields["count"] = _int(post.get("count", ""))
    try:
        action = services.create(actor=request.user, data=parse(services.CreateIn, **fields))
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
        return redirect("web:complaint", number)
    messages.success(request, _("已制定整改措施，记录在案。"))
    return redirect("web:capa_detail", action.pk)
