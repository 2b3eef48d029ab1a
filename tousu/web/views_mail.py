"""The mail log page (``/mail/``, issue 13): what the e-mail gateway received and what went to
complainants, for the centre and the administrators; a mail failed for good can be sent again.
The reads are ``tousu.mailgate.selectors``, the retry ``tousu.mailgate.outbox.retry``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tousu.core.errors import TousuError, ValidationFailed
from tousu.mailgate import outbox, selectors
from tousu.mailgate.models import MailMessage, OutgoingMail
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

TABS = ("in", "out")


@staff_view
def mail_log(request: StaffRequest) -> HttpResponseBase:
    if not selectors.may_view_mail_log(request.user):
        raise PermissionDenied(_("只有投诉中心和管理员可以查看邮件记录"))
    if request.method == "POST":
        return _retry(request)
    try:
        return render(request, "web/mail_log.html", _page(request, request.GET))
    except ValidationFailed as err:
        tab = request.GET.get("tab", "") if request.GET.get("tab", "") in TABS else "in"
        context = {"tab": tab, "choices": _choices(tab), "error": err.message, "here": "mail_log", "rows": []}
        return render(request, "web/mail_log.html", context, status=400)


def _choices(tab: str) -> list[tuple[str, Any]]:
    return MailMessage.Outcome.choices if tab == "in" else OutgoingMail.State.choices


def _page(request: StaffRequest, query: QueryDict) -> dict[str, Any]:
    tab = query.get("tab", "") or "in"
    if tab not in TABS:
        raise ValidationFailed(_("未知的页签"), field="tab")
    cursor = selectors.cursor_of(query.get("cursor", ""))
    context: dict[str, Any] = {"tab": tab, "here": "mail_log", "error": ""}
    page: selectors.Page[Any]
    if tab == "in":
        chosen = query.get("outcome", "")
        page = selectors.incoming(actor=request.user, outcome=chosen, cursor=cursor)
        context["choices"] = _choices(tab)
    else:
        chosen = query.get("state", "")
        page = selectors.outgoing(actor=request.user, state=chosen, cursor=cursor)
        context["choices"] = _choices(tab)
    more = query.copy()
    if page.next_cursor is not None:
        more["cursor"] = str(page.next_cursor)
    return context | {
        "rows": page.rows,
        "chosen": chosen,
        "next": more.urlencode() if page.next_cursor is not None else "",
        "filtered": bool(chosen or cursor),
    }


def _retry(request: StaffRequest) -> HttpResponse:
    back = reverse("web:mail_log") + "?tab=out"
    value = request.POST.get("id", "").strip()
    try:
        if request.POST.get("op") != "retry":
            raise ValidationFailed(_("未知的操作"))
        if not value.isdigit() or len(value) > 18:
            raise ValidationFailed(_("邮件编号无效"), field="id")
        outbox.retry(actor=request.user, pk=int(value))
    except TousuError as err:
        if err.status >= 500 or err.status == 404:
            raise
        messages.error(request, err.message)
        return redirect(back)
    messages.success(request, _("已重新发送，结果见下表；仍未发出的将按间隔自动重试。"))
    return redirect(back)
