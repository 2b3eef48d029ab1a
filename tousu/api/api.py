"""The REST API under /api/v1/ (SPEC §13): token auth and one JSON error format.

Every error is ``{"code", "message", "data"}``; services raise ``TousuError`` and the handlers
below translate it, so no route formats an error itself.
"""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from tousu.accounts import tokens
from tousu.accounts.models import User
from tousu.core.errors import NotAuthenticated, NotFound, TousuError, ValidationFailed
from tousu.core.middleware import too_large
from tousu.core.ratelimit import retry_after
from tousu.partners.fence import api_allowed, is_partner_account

log = logging.getLogger(__name__)


class BearerToken(HttpBearer):
    """A token's scopes, expiry, revocation and rate, with a cached look-up (tousu.accounts.tokens)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = tokens.authenticate(request, token, prepare=is_partner_account)
        if user is not None and not api_allowed(user, request.path):
            raise NotFound("页面不存在")  # a partner's own account reaches /partners only
        return user


api = NinjaAPI(
    title="tousu API",
    version="1",
    auth=BearerToken(),
    urls_namespace="api",
    description=(
        "投诉处理系统 REST API。令牌：Authorization: Bearer <token>。"
        "封闭取值（渠道、类型、状态、分办方式、答复方式、满意度等）是枚举，"
        "各代码的中文名称见其 description 与 x-enum-descriptions；"
        "类别、等级、原因、单位、标记等因机构而异的代码见 GET /api/v1/reference"
        "（字段的 x-reference 指出所在列表）。"
        "投诉详情的 allowed_actions 列出调用者此刻可执行的操作，"
        "每个操作为 POST /api/v1/complaints/{number}/{action}，请求体带 version。"
        "错误一律为 {code, message, data}。"
    ),
)


def _error(request: HttpRequest, err: TousuError) -> HttpResponse:
    response = api.create_response(request, err.as_dict(), status=err.status)
    if wait := retry_after(err):  # 429 rate_limited
        response["Retry-After"] = str(wait)
    if err.status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(TousuError)
def tousu_error(request: HttpRequest, exc: TousuError) -> HttpResponse:
    return _error(request, exc)


def _invalid(request: HttpRequest, problems: Iterable[Mapping[str, Any]], skip: int) -> HttpResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", [])], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in problems
    ]
    fields = "、".join(".".join(e["loc"][skip:] or e["loc"]) for e in errors)
    return _error(request, ValidationFailed(f"输入有误：{fields}", errors=errors))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _invalid(request, exc.errors, skip=1)  # ninja's locations start with body/query/path


@api.exception_handler(pydantic.ValidationError)
def input_error(request: HttpRequest, exc: pydantic.ValidationError) -> HttpResponse:
    """An action's input built by a route from several parts (a path id and a body) and refused."""
    if exc.title == "NinjaResponseSchema":
        # ninja's check of an answer against the route's declared schema: the server broke its
        # own contract, which is a 500 for us to fix, not a 422 for the client.
        return unexpected(request, exc)
    return _invalid(request, list(exc.errors()), skip=0)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, NotAuthenticated())


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, NotFound())


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: "bad_request", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "error")
    return _error(request, TousuError(str(exc), code=code) if exc.status_code < 500 else TousuError(str(exc)))


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Normally refused by BodySizeMiddleware before the route; a body that still outgrows the
    # limit while being read is the client's error (413), not a 500 from the catch-all below.
    return too_large(request)


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected error in %s %s", request.method, request.path)
    err = TousuError("服务器内部错误，已记录", code="internal_error")
    return api.create_response(request, err.as_dict(), status=500)


from tousu.api import (  # noqa: E402  (routes register on import)
    calendar,
    complaints,
    notifications,
    organisation,
    preset_admin,
    reference,
    users,
)
from tousu.api import tokens as tokens_api  # noqa: E402
from tousu.archive import api as archive_api  # noqa: E402

archive_api.mount(complaints.router)  # GET …/archive, the archive file: on the archive action's path
api.add_router("/complaints", complaints.router)
api.add_router("/calendar", calendar.router)
api.add_router("/notifications", notifications.router)
api.add_router("", organisation.router)
api.add_router("/reference", reference.router)
api.add_router("/admin", users.router)
api.add_router("/tokens", tokens_api.router)  # the caller's API tokens (an administrator's: anyone's)
api.add_router("/admin/preset", preset_admin.router)
api.add_router("/public", "tousu.api.public.router", auth=None)  # the portal's JSON, no token
api.add_router("", "tousu.detection.api.router")  # repeat candidates, hot issues, group events
api.add_router("", "tousu.replycheck.api.router")  # the clerk's correction of the demand items
api.add_router("", "tousu.letters.api.router")  # letters: make, list, PDF and Word
api.add_router("", "tousu.solution.api.router")  # the solution's sign-offs
api.add_router("", "tousu.investigation.api.router")  # investigation record, root cause, batch trace
api.add_router("", "tousu.accountability.api.router")  # responsibility determination
api.add_router("", "tousu.accountability.api_scorecards.router")  # scorecards (考核计分) and their xlsx
api.add_router("", "tousu.indicators.api.router")  # statistics (GET /stats)
api.add_router("/partners", "tousu.partners.api.router")  # partner credit, inquiries, statements
api.add_router("", "tousu.capa.api.router")  # rectification (CAPA)
api.add_router("", "tousu.ledger.api.router")  # the pending ledger (未了事宜台账)
api.add_router("", "tousu.reports.api.router")  # periodic reports: draft, edit, issue, Word and PDF
