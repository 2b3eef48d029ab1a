"""The fence around a partner's own account (issue 15 §5): besides seeing no complaint (its scope
is 「本人案件」 with no unit, and it handles nothing), it reaches only the partners' pages and
routes, and signing in and out — not the unit tree, routing rules, notifications or any other
staff surface. Anything else answers 404, as if it did not exist.

Cheap for staff: only a user with no unit and scope 「本人案件」 — as every partner account is —
costs the one query that asks whether it is a partner's account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from tousu.accounts.models import Scope

WEB_PATHS = ("/partners/", "/login/", "/logout/", "/password/", "/static/", "/i18n/", "/portal/")
API_PATH = "/api/v1/partners"


def is_partner_account(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False) or user.unit_id is not None or user.scope != Scope.OWN:
        return False
    from tousu.partners.models import PartnerMember

    cached = getattr(user, "_partner_account", None)
    if cached is None:
        cached = PartnerMember.objects.filter(user_id=user.pk).exists()
        user._partner_account = cached
    return bool(cached)


def api_allowed(user: Any, path: str) -> bool:
    """Whether a token's user may call the route at ``path`` (the API's own check)."""
    return path.startswith(API_PATH) or not is_partner_account(user)


def fence(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Web pages: a partner's account is sent from the home page to its partner's pages, and
    every other staff page is a 404. The API is fenced by its token check (``api_allowed``)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        path = request.path
        if path.startswith("/api/") or path.startswith(WEB_PATHS) or not is_partner_account(request.user):
            return get_response(request)
        if path == "/":
            return redirect("web:partners")
        raise Http404("页面不存在")

    return middleware
