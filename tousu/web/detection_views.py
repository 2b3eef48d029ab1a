"""The detection screen (``/detection/``, SPEC §8): group complaint events and hot issues with
their members, for the supervisor watching for the next group incident; the centre splits or
merges them on record. The work is ``tousu.detection``'s services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.core.errors import NotFound, NotPermitted, TousuError, ValidationFailed
from tousu.detection import selectors, services
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view


@staff_view
def detection(request: StaffRequest) -> HttpResponseBase:
    if request.method == "POST":
        return _change(request)
    if any(request.GET.get(k) for k in ("phone", "id_number", "email")):
        return _candidates(request)
    return _page(request)


def _candidates(request: StaffRequest) -> HttpResponse:
    """The repeat candidates of a caller still on the phone, as a fragment the intake page shows
    (``?phone=…&summary=…&content=…``); nothing is written."""
    try:
        found = selectors.repeat_candidates(
            request.user,
            phone=request.GET.get("phone", "")[:40],
            id_number=request.GET.get("id_number", "")[:40],
            email=request.GET.get("email", "")[:200],
            summary=request.GET.get("summary", "")[:200],
            content=request.GET.get("content", "")[:20000],
        )
    except NotPermitted as err:  # unit staff, unless the preset allows it (SPEC §7)
        return render(request, "web/_repeat_candidates.html", {"refused": err.message}, status=403)
    return render(request, "web/_repeat_candidates.html", found)


def _page(request: StaffRequest, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "groups": selectors.gatherings(request.user, "group"),
        "hot": selectors.gatherings(request.user, "hot"),
        "may_change": request.user.role == "center",
        "error": error,
        "here": "detection",
    }
    return render(request, "web/detection.html", context, status=status)


COMPLAINT_OPS = ("confirm_repeat", "reject_repeat", "override_grade")


def _on_complaint(request: StaffRequest, op: str) -> HttpResponseBase:
    """The detection panel's forms on the complaint page: back to the page, with the outcome."""
    number = request.POST.get("number", "")[:40]
    reason = request.POST.get("reason", "")
    try:
        if op == "override_grade":
            services.override_grade(
                actor=request.user, number=number, grade=request.POST.get("grade", ""), reason=reason
            )
            messages.success(request, _("等级已调整，记录在案。"))
        else:
            confirm = op == "confirm_repeat"
            services.decide_repeat(actor=request.user, number=number, confirm=confirm, reason=reason)
            messages.success(request, _("已确认为重复投诉。") if confirm else _("已否定重复投诉关联。"))
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    return redirect("web:complaint", number)


def _change(request: StaffRequest) -> HttpResponseBase:
    if request.POST.get("op") in COMPLAINT_OPS:
        return _on_complaint(request, request.POST["op"])
    kind = request.POST.get("kind", "")
    reason = request.POST.get("reason", "")
    try:
        if kind not in ("group", "hot"):
            raise ValidationFailed(_("请选择群体投诉事件或热点问题"))
        if request.POST.get("op") == "split":
            pk = _int(request.POST.get("id", ""))
            numbers = request.POST.getlist("numbers")
            if not numbers:
                raise ValidationFailed(_("请勾选要拆出的投诉件"))
            services.split(actor=request.user, kind=kind, pk=pk, numbers=numbers, reason=reason)
            messages.success(request, _("已拆分，记录在案。"))
        elif request.POST.get("op") == "merge":
            ids = [_int(v) for v in request.POST.getlist("ids")]
            services.merge(actor=request.user, kind=kind, ids=ids, reason=reason)
            messages.success(request, _("已合并，记录在案。"))
        else:
            raise ValidationFailed(_("未知的操作"))
    except TousuError as err:
        return _page(request, err.message, status=err.status if err.status < 500 else 400)
    return redirect("web:detection")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(_("编号无效")) from None
