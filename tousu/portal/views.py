"""The portal's pages (issue 13, SPEC §8): plain HTML forms, no login, no JavaScript.

The query code travels only in POST bodies (never in a URL, so never in a log or the history of a
shared computer); every answer is ``no-store`` (``SecurityHeadersMiddleware``). Each page parses,
calls one portal service or the public view's selector, and renders.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tousu.complaints.models import ReplyMethod, Satisfaction
from tousu.core.errors import TousuError
from tousu.core.middleware import client_address
from tousu.core.ratelimit import retry_after
from tousu.portal import challenge, selectors, services

SUBMIT_FIELDS = (
    "summary",
    "content",
    "demands",
    "respondent_unit",
    "respondent_name",
    "name",
    "phone",
    "email",
    "id_number",
    "preferred_reply",
)
REPLY_METHODS = [(m.value, m.label) for m in ReplyMethod if m not in (ReplyMethod.VISIT, ReplyMethod.ORAL)]
RATINGS = [(s.value, s.label) for s in Satisfaction if s != Satisfaction.UNREACHABLE]


def _caller(request: HttpRequest) -> services.Caller:
    return services.Caller(
        number=request.POST.get("number", ""),
        code=request.POST.get("code", ""),
        address=client_address(request),
        face="web",
    )


def _page(request: HttpRequest, template: str, context: dict[str, Any], error: TousuError | None) -> HttpResponse:
    """A page, with the error's status; a rate limit's page says when to come back (Retry-After)."""
    response = render(request, template, context, status=error.status if error else 200)
    if error is not None and (wait := retry_after(error)):
        response["Retry-After"] = str(wait)
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/index.html", {})


def _submit_page(request: HttpRequest, values: dict[str, Any], error: TousuError | None = None) -> HttpResponse:
    field = str(error.data.get("field", "")).rsplit(".", 1)[-1] if error else ""  # complainants[0].phone
    context = {
        "values": values,
        "error": error,
        # An error shown beside its field; any other above the form.
        "error_field": field if field in {*SUBMIT_FIELDS, "file", "consent", "challenge"} else "",
        "challenge": challenge.new() if challenge.enabled() else None,
        "reply_methods": REPLY_METHODS,
    }
    return _page(request, "portal/submit.html", context, error)


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _submit_page(request, {})
    values: dict[str, Any] = {k: request.POST.get(k, "") for k in SUBMIT_FIELDS}
    values["anonymous"] = request.POST.get("anonymous") == "on"
    values["consent"] = request.POST.get("consent") == "on"
    files = [services.Upload(f.name or "", f.read()) for f in request.FILES.getlist("files")[: services.MAX_FILES + 1]]
    data = services.Submission(**values, files=files)
    try:
        registered = services.submit(
            data=data,
            address=client_address(request),
            challenge_token=request.POST.get("challenge_token", ""),
            challenge_answer=request.POST.get("challenge_answer", ""),
        )
    except TousuError as err:
        return _submit_page(request, values, err)
    context = {"number": registered.complaint.number, "code": registered.query_code}
    return render(request, "portal/submitted.html", context)


def _complaint_page(
    request: HttpRequest, caller: services.Caller, message: str = "", error: TousuError | None = None
) -> HttpResponse:
    try:
        view = selectors.public_view(services.authenticate(caller))
    except TousuError as err:
        return _query_page(request, caller.number, err)
    context = {
        "view": view,
        "code": caller.code.strip().upper(),
        "message": message,
        "error": error,
        "ratings": RATINGS,
    }
    return _page(request, "portal/complaint.html", context, error)


def _query_page(request: HttpRequest, number: str = "", error: TousuError | None = None) -> HttpResponse:
    context = {"number": number, "error": error}
    return _page(request, "portal/query.html", context, error)


@require_http_methods(["GET", "POST"])
def query(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _query_page(request)
    return _complaint_page(request, _caller(request))


DONE = {
    "rate": gettext_lazy("感谢您的评价。"),
    "review": gettext_lazy("复核申请已提交，我们将在规定期限内答复。"),
    "material": gettext_lazy("补充材料已收到。"),
    "withdraw": gettext_lazy("已撤诉。"),
}


@require_POST
def act(request: HttpRequest, action: str) -> HttpResponse:
    """One of the complainant's actions, then the complaint page again with what happened."""
    caller = _caller(request)
    post = request.POST
    try:
        if action == "rate":
            services.rate(caller=caller, satisfaction=post.get("satisfaction", ""), comment=post.get("comment", ""))
        elif action == "review":
            services.request_review(caller=caller, reason=post.get("reason", ""))
        elif action == "material":
            upload = request.FILES.get("file")
            file = services.Upload(upload.name or "", upload.read()) if upload is not None else None
            services.add_material(caller=caller, text=post.get("text", ""), file=file)
        elif action == "withdraw":
            services.withdraw(caller=caller, statement=post.get("statement", ""))
        else:
            return _query_page(request, caller.number, TousuError(_("未知的操作"), code="not_found"))
    except (services.WrongCode, services.throttle.Throttled) as err:
        return _query_page(request, caller.number, err)
    except TousuError as err:
        return _complaint_page(request, caller, error=err)
    return _complaint_page(request, caller, message=str(DONE[action]))
