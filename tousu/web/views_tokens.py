"""The API tokens page (``/tokens/``, issue 17 item 4): a user sees, makes and revokes their own
tokens; an administrator sees and revokes anyone's. A new key is shown once, on the answer to the
form that made it (every page is ``no-store``). The services are ``tousu.accounts.tokens``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tousu.accounts import tokens
from tousu.accounts.services import is_admin
from tousu.core.errors import TousuError, ValidationFailed
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view


def _context(request: StaffRequest, **extra: Any) -> dict[str, Any]:
    everything = request.GET.get("all") == "1"
    rows = [tokens.token_row(t) for t in tokens.list_tokens(actor=request.user, everything=everything)]
    return {
        "rows": rows,
        "everything": everything,
        "admin": is_admin(request.user),
        "scopes": [(s, tokens.SCOPE_LABELS[s]) for s in tokens.SCOPES],
        "chosen": list(tokens.DEFAULT_SCOPES),
        "days": min(settings.TOUSU_TOKEN_DAYS, 365),
        "label": "",
        **extra,
    }


def _days(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 365:
        raise ValidationFailed(_("有效天数应为 1 至 365"), field="days")
    return int(value)


@staff_view
def tokens_page(request: StaffRequest) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, "web/tokens.html", _context(request))
    post = request.POST
    if post.get("op") == "revoke":
        token_id = post.get("id", "")
        try:
            token = tokens.revoke(actor=request.user, token_id=int(token_id) if token_id.isdigit() else 0)
        except TousuError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("令牌 %(id)s 已撤销。") % {"id": token.pk})
        return redirect("web:tokens")
    chosen = post.getlist("scopes")
    try:
        token, key = tokens.create(
            actor=request.user,
            username=request.user.username,
            scopes=tuple(chosen),
            days=_days(post.get("days", "")),
            label=post.get("label", ""),
        )
    except TousuError as err:
        context = _context(request, error=err.message, chosen=chosen, days=post.get("days", ""))
        return render(request, "web/tokens.html", {**context, "label": post.get("label", "")}, status=err.status)
    return render(request, "web/tokens.html", _context(request, key=key, made=tokens.token_row(token)))
