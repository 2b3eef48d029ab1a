"""The staff web UI: parse the request, call one service or selector, render (STYLE §2).

Services raise ``TousuError``: a form shows it as a form error, anything else as a friendly page;
a complaint outside the user's scope is a plain 404, as in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tousu.complaints import attachments, notices, selectors, services
from tousu.complaints.access import access_complaint, may
from tousu.complaints.actions import FORM_ACTIONS
from tousu.complaints.callers import callers_by_phone
from tousu.complaints.inputs import Attach, IdentityDecision, IdentityRequest, ReleaseAttachment, RevealContact
from tousu.core import downloads
from tousu.core.errors import NotFound, NotPermitted, TousuError
from tousu.web import pages
from tousu.web.auth import StaffRequest
from tousu.web.forms import ActionForm, Choices, ListQuery, parse
from tousu.web.intake_form import IntakeForm


def staff_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Login required; a NotFound from a service or selector is a 404, never a 500."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as err:
            raise Http404(err.message) from err
        except TousuError as err:
            return render(request, "web/error.html", {"error": err}, status=err.status)

    return wrapper


def posted(request: HttpRequest, call: Callable[[], Any], done: str | Callable[[Any], str]) -> Any:
    """Run a form's one service: its outcome is the page's message (``done``, or ``done(result)``),
    its refusal the error message instead — never a 500; a NotFound stays a 404. Returns the
    service's result, or None when it was refused."""
    try:
        result = call()
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
        return None
    messages.success(request, done if isinstance(done, str) else done(result))
    return result


@staff_view
@require_GET
def home(request: StaffRequest) -> HttpResponse:
    return render(request, "web/home.html", {"queues": pages.queues(request.user)})


@staff_view
def intake(request: StaffRequest) -> HttpResponse:
    if not may(request.user, "register"):
        raise PermissionDenied(_("只有受理员和投诉中心可以登记投诉"))
    form = IntakeForm(Choices(), request.POST if request.method == "POST" else None)
    data = form.cleaned() if request.method == "POST" and "lookup" not in request.POST else None
    if data is not None:
        try:
            registered = services.register(actor=request.user, data=data)
        except TousuError as err:
            form.add_tousu_error(err, form.aliases)
        else:
            messages.success(
                request,
                _("已登记，投诉编号 %(number)s，查询码 %(code)s（请告知投诉人，查询码只显示这一次）")
                % {"number": registered.complaint.number, "code": registered.query_code},
            )
            return redirect("web:complaint", number=registered.complaint.number)
    callers = callers_by_phone(request.user, str(form["phone"].value))
    repeat = None
    if "lookup" in request.POST:
        form.fill_caller_name(callers)
        repeat = _repeat_candidates(request, form)
    return render(
        request,
        "web/intake.html",
        {"form": form, "repeat": repeat, **_caller_history(callers)},
        status=422 if form.has_errors else 200,
    )


@staff_view
@require_GET
def callers(request: StaffRequest) -> HttpResponse:
    """The caller look-up fragment the intake form fetches while the clerk types the number."""
    phone = request.GET.get("phone", "")[:30]
    try:
        found = callers_by_phone(request.user, phone)
    except NotPermitted as err:  # unit staff, unless the preset allows it (SPEC §7)
        return render(request, "web/_callers.html", {"refused": err.message}, status=403)
    return render(request, "web/_callers.html", {"phone": phone, **_caller_history(found)})


def _repeat_candidates(request: StaffRequest, form: Any) -> dict[str, Any]:
    """The caller's earlier complaint about the same matter, while they are still on the phone
    (the look-up button; with JavaScript the page fetches the same fragment as the clerk types)."""
    from tousu.detection.selectors import repeat_candidates

    try:
        return dict(
            repeat_candidates(
                request.user,
                phone=str(form["phone"].value),
                summary=str(form["summary"].value),
                content=str(form["content"].value),
            )
        )
    except NotPermitted as err:
        return {"candidates": [], "refused": err.message}


def _caller_history(found: list[Any]) -> dict[str, Any]:
    """The look-up's rows, and whether some matched only on the number's last digits (then the
    fragment names the caller of each row, since they may be different people)."""
    exact = all(m.exact for c in found for m in c.matched_callers)
    return {"callers": found, "by_tail": not exact}


@staff_view
@require_GET
def complaint(request: StaffRequest, number: str) -> HttpResponse:
    return render(request, "web/complaint.html", pages.complaint_page(request.user, number))


@staff_view
@require_http_methods(["GET", "POST"])
def act(request: StaffRequest, number: str, action: str) -> HttpResponse:
    performed = FORM_ACTIONS.get(action)
    if performed is None:
        raise Http404(action)
    if request.method == "GET":  # a reload of the address a refused form left: back to the case
        return redirect("web:complaint", number=number)
    # The hidden version comes from the POST: a stale one is refused by the service.
    form = ActionForm(action, Choices(), version=0, data=request.POST)
    data, status = form.cleaned(), 422
    try:
        if data is not None:
            done = performed.service(actor=request.user, number=number, data=data)
            if sms := getattr(done, "sms_text", ""):  # an SMS reply: its text, with the new code, this once
                messages.info(request, _("请经短信平台发送以下短信：%(text)s") % {"text": sms})
    except NotFound as err:
        if err.data.get("number", number) == number:
            raise
        form.add_tousu_error(err)  # another complaint named in the form: a merge target
        status = 422
    except TousuError as err:
        form.add_tousu_error(err)
        status = err.status
    if form.has_errors:
        return render(request, "web/complaint.html", pages.complaint_page(request.user, number, form), status=status)
    return _after_action(request, number, str(performed.label))


def _after_action(request: StaffRequest, number: str, label: str) -> HttpResponse:
    try:
        access_complaint(request.user, number)
    except NotFound:
        # The action handed the complaint on (e.g. a handler returned it to the centre).
        messages.success(
            request, _("%(number)s 已%(action)s，已移出您的办理范围") % {"number": number, "action": label}
        )
        return redirect("web:home")
    messages.success(request, _("%(number)s：%(action)s已完成") % {"number": number, "action": label})
    return redirect("web:complaint", number=number)


@staff_view
@require_POST
def attach(request: StaffRequest, number: str) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择要上传的文件"))
    else:
        try:
            attachments.add(
                actor=request.user,
                number=number,
                data=parse(Attach, name=upload.name or "", content=upload.read(), note=request.POST.get("note", "")),
            )
        except NotFound:
            raise
        except TousuError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("已上传附件 %(name)s") % {"name": upload.name})
    return redirect(reverse("web:complaint", args=[number]) + "#attachments")


@staff_view
@require_GET
def download(request: StaffRequest, number: str, attachment_id: int) -> FileResponse:
    found, path = attachments.for_download(request.user, number, attachment_id)
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=found.original_name, content_type=found.content_type
    )


@staff_view
@require_GET
def complaint_list(request: StaffRequest) -> HttpResponse:
    query, problem = ListQuery.from_query(request.GET)
    page = selectors.EMPTY_PAGE
    try:
        page = selectors.page_complaints(request.user, query)
    except TousuError as err:
        problem = err.message
    if problem:
        messages.error(request, problem)
    return render(request, "web/list.html", pages.list_page(request, query, page))


@staff_view
def letter(request: StaffRequest, number: str) -> HttpResponse:
    """The dispatch letter, ready to print (the browser's print makes the PDF)."""
    from tousu.complaints.letters import dispatch_letter

    try:
        # An official letter is written in the organisation's language, whatever the reader's UI.
        with translation.override(settings.LANGUAGE_CODE):
            parts = dispatch_letter(request.user, access_complaint(request.user, number))
    except NotFound:
        raise Http404 from None
    except TousuError as err:
        messages.error(request, err.message)
        return redirect("web:complaint", number=number)
    return render(request, "web/letter.html", {"l": parts, "letter_language": settings.LANGUAGE_CODE})


@staff_view
def export(request: StaffRequest) -> HttpResponseBase:
    """The list as CSV or Excel, with the list's filters (the rows the user may see, as shown)."""
    from tousu.complaints import exports

    query, problem = ListQuery.from_query(request.GET)
    if problem:
        messages.error(request, problem)
        return redirect(reverse("web:list") + "?" + request.GET.urlencode())
    try:
        body, content_type, name = exports.export(request.user, query, request.GET.get("format", "xlsx"))
    except TousuError as err:
        messages.error(request, err.message)
        return redirect(reverse("web:list") + "?" + request.GET.urlencode())
    return downloads.streamed(body, content_type, name)


@staff_view
@require_GET
def pending_ledger(request: StaffRequest) -> HttpResponse:
    """未了事宜台账: every open case the reader may see, by unit, printable."""
    from tousu.accounts.models import Unit
    from tousu.ledger.pending import pending

    unit = request.GET.get("unit", "")[:64]
    ledger = pending(request.user, unit or None)
    units = Unit.objects.filter(active=True).order_by("path")
    return render(request, "web/pending_ledger.html", {"ledger": ledger, "units": units})


@staff_view
def notifications(request: StaffRequest) -> HttpResponse:
    from tousu.complaints.notify import mark_read

    if request.method == "POST":
        count = mark_read(actor=request.user)
        messages.success(request, _("已将 %(n)d 条提醒标记为已读") % {"n": count})
        return redirect("web:notifications")
    rows = notices.notifications_for(request.user, limit=100)
    return render(request, "web/notifications.html", {"rows": rows})


def _admin_only(request: StaffRequest, message: str | None = None) -> None:
    from tousu.accounts.services import require_admin

    try:
        require_admin(request.user, message or _("只有管理员可以维护单位和分办规则"))
    except NotPermitted as err:
        raise PermissionDenied(err.message) from None


@staff_view
def units_admin(request: StaffRequest) -> HttpResponse:
    """The unit tree: create, edit (name, head, business hours, authority), move, (de)activate."""
    from tousu.accounts import services as units
    from tousu.complaints.services import units as unit_cases

    _admin_only(request)
    if request.method == "POST":
        data, op, code = request.POST, request.POST.get("op", ""), request.POST.get("code", "")
        try:
            if op == "create":
                units.create_unit(
                    actor=request.user,
                    code=code,
                    name=data.get("name", ""),
                    parent=data.get("parent", ""),
                    is_center="is_center" in data,
                    business_hours=data.get("business_hours", ""),
                    authority_level=data.get("authority_level", ""),
                )
                messages.success(request, _("已新建单位「%(name)s」") % {"name": _unit_name(code)})
            elif op == "update":
                units.update_unit(
                    actor=request.user,
                    code=code,
                    name=data.get("name", ""),
                    head=data.get("head", ""),
                    business_hours=data.get("business_hours", ""),
                    authority_level=data.get("authority_level", ""),
                    is_center="is_center" in data,
                    parent=data.get("parent", ""),
                )
                messages.success(request, _("已保存单位「%(name)s」") % {"name": _unit_name(code)})
            elif op in ("deactivate", "activate"):
                unit_cases.set_unit_active(actor=request.user, code=code, active=op == "activate")
                messages.success(
                    request,
                    _("已停用「%(name)s」") % {"name": _unit_name(code)}
                    if op == "deactivate"
                    else _("已启用「%(name)s」") % {"name": _unit_name(code)},
                )
            else:
                messages.error(request, _("未知的操作"))
        except TousuError as err:
            messages.error(
                request,
                _("%(unit)s：%(message)s") % {"unit": _unit_name(code), "message": err.message}
                if code
                else err.message,
            )
        return redirect("web:units")
    return render(request, "web/units.html", pages.units_page())


def _unit_name(code: str) -> str:
    """A unit as the messages name it: its name, or the code typed when there is no such unit."""
    from tousu.accounts.models import Unit

    return Unit.objects.filter(code=code).values_list("name", flat=True).first() or code


@staff_view
def routing_admin(request: StaffRequest) -> HttpResponse:
    """Routing rules: conditions → a proposed unit and mode, by priority."""
    from tousu.complaints import routing

    _admin_only(request)
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("op") == "delete":
                routing.delete_rule(actor=request.user, rule_id=int(data.get("id", "0") or 0))
                messages.success(request, _("已删除分办规则"))
            else:
                fields = {f: data.get(f, "") for f in routing.LIST_FIELDS}
                rule_id = int(data["id"]) if data.get("id") else None
                routing.save_rule(
                    actor=request.user,
                    rule_id=rule_id,
                    name=data.get("name", ""),
                    priority=data.get("priority", "100"),
                    mode=data.get("mode", ""),
                    unit=data.get("unit", ""),
                    redacted="redacted" in data,
                    active="active" in data,
                    **fields,
                )
                messages.success(request, _("已保存分办规则"))
        except ValueError:
            messages.error(request, _("输入有误"))
        except TousuError as err:
            messages.error(request, err.message)
        return redirect("web:routing")
    return render(request, "web/routing.html", pages.routing_page())


@staff_view
def calendar_admin(request: StaffRequest) -> HttpResponse:
    """The working-day calendar: what is known, what is provisional, import and override."""
    from tousu.complaints.services import timekeeping

    _admin_only(request, _("只有管理员可以维护工作日历"))
    if request.method == "POST":
        try:
            if request.POST.get("op") == "import":
                upload = request.FILES.get("file")
                text = upload.read().decode("utf-8-sig") if upload else request.POST.get("content", "")
                fmt = request.POST.get("format") or (
                    "ics" if upload and (upload.name or "").lower().endswith(".ics") else "csv"
                )
                result = timekeeping.import_holiday_schedule(
                    actor=request.user, text=text, fmt=fmt, source=request.POST.get("source", "")
                )
                messages.success(
                    request,
                    _("已导入 %(years)s 年共 %(days)d 天的安排，重新计算了 %(n)d 件投诉的期限")
                    % {"years": "、".join(map(str, result.years)), "days": result.days, "n": result.recomputed},
                )
            else:
                day, working = pages.parse_day_override(request.POST)
                moved = timekeeping.override_day(
                    actor=request.user, day=day, working=working, name=request.POST.get("name", "")
                )
                messages.success(request, _("已调整 %(day)s，重新计算了 %(n)d 件投诉的期限") % {"day": day, "n": moved})
        except UnicodeDecodeError:
            messages.error(request, _("文件无法读取，请使用 UTF-8 编码"))
        except TousuError as err:
            messages.error(request, err.message)
        except ValueError as err:
            messages.error(request, str(err))
        return redirect("web:calendar")
    return render(request, "web/calendar.html", pages.calendar_page())


@staff_view
@require_POST
def identity(request: StaffRequest, number: str) -> HttpResponse:
    try:
        services.request_identity(
            actor=request.user, number=number, data=parse(IdentityRequest, reason=request.POST.get("reason", ""))
        )
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已提交申请，待投诉中心审批"))
    return redirect("web:complaint", number=number)


@staff_view
@require_POST
def contact(request: StaffRequest, number: str) -> HttpResponse:
    """Reveal the complainants' full numbers to call them back: on record, shown on this page once."""
    try:
        revealed = services.reveal_contact(
            actor=request.user, number=number, data=parse(RevealContact, reason=request.POST.get("reason", ""))
        )
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
        return redirect("web:complaint", number=number)
    context = pages.complaint_page(request.user, number)
    return render(request, "web/complaint.html", {**context, "revealed": revealed})


@staff_view
@require_POST
def identity_decision(request: StaffRequest, number: str, grant_id: int) -> HttpResponse:
    try:
        grant = services.decide_identity(
            actor=request.user,
            number=number,
            data=parse(IdentityDecision, grant=grant_id, approved=request.POST.get("approved") == "true"),
        )
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已批准") if grant.approved else _("未批准"))
    return redirect("web:complaint", number=number)


@staff_view
@require_POST
def release(request: StaffRequest, number: str, attachment_id: int) -> HttpResponse:
    try:
        services.release_attachment(
            actor=request.user, number=number, data=parse(ReleaseAttachment, attachment=attachment_id)
        )
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    return redirect("web:complaint", number=number)
