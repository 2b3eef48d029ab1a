"""API tokens (SPEC §13, §14; issue 17 items 4 and 8): scopes, expiry, revocation, a per-request
rate, and a token → user look-up that costs no query on most requests.

**Scopes** narrow what a token's user may do; the user's role and data scope still decide every
read and write, so a scope never widens them. The scope a route needs is read off its method and
path by :data:`RULES` — one table, here, for every router — with ``read`` for GET and ``write``
for anything else where no rule says otherwise.

**The cache.** Each worker keeps the rows it has looked up (token and user, with the user's unit)
for ``TOUSU_TOKEN_CACHE_SECONDS``. Whatever could make a cached row wrong — a token created,
revoked or deleted, a user or a unit saved or deleted — raises the counter in ``TokenGeneration``
(signals below, in the same transaction as the change); each worker reads that counter at most once
a second and drops its rows when it moved. So a revocation, a deactivation or a change of role,
scope or unit acts in every worker, on every machine, within a second, whatever ``CACHES`` is,
for the price of at most one indexed one-row query a second per worker; the worker that made the
change sees it at once. Expiry is checked on every request against the cached ``expires_at``. A
change made behind the code's back (SQL, ``QuerySet.update``) raises no counter: the TTL bounds it.

**last_used_at** is written at most once a minute per token and worker, not on every request.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.accounts.models import ApiToken, TokenGeneration, TokenScope, Unit, User
from tousu.accounts.services import is_admin, log
from tousu.core import ratelimit
from tousu.core.errors import NotAuthenticated, NotFound, NotPermitted, TousuError, ValidationFailed

SCOPES: tuple[str, ...] = tuple(TokenScope.values)
DEFAULT_SCOPES = ("read", "write")
API_ROOT = "/api/v1/"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ANY = frozenset({"GET", "HEAD", "OPTIONS", *WRITES})

# (scope, methods, path under /api/v1/): the first rule that matches decides; else GET/HEAD/OPTIONS
# need ``read`` and any other method ``write``. ``export`` covers what takes data out in bulk (the
# ledger's exports, the scorecards workbook, a partner's statement export, a case's archive file);
# ``admin`` the organisation, its users, the calendar and the preset.
RULES: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    ("admin", ANY, re.compile(r"^admin(/|$)")),
    ("admin", WRITES, re.compile(r"^(units|routing-rules|calendar)(/|$)")),
    ("export", ANY, re.compile(r"^ledger/exports?(/|$)")),
    ("export", frozenset({"GET", "HEAD"}), re.compile(r"^scorecards\.xlsx$")),
    ("export", frozenset({"GET", "HEAD"}), re.compile(r"^partners/statements/[^/]+/export$")),
    ("export", frozenset({"GET", "HEAD"}), re.compile(r"^complaints/[^/]+/archive$")),
)
SCOPE_LABELS = {
    "read": gettext_lazy("读取"),
    "write": gettext_lazy("办理"),
    "export": gettext_lazy("批量导出"),
    "admin": gettext_lazy("系统管理"),
}
MAX_DAYS = 3650
GENERATION_CHECK_SECONDS = 1.0
TOUCH_SECONDS = 60
MAX_ENTRIES = 10_000


class TokenExpired(NotAuthenticated):
    code = "token_expired"
    default_message = gettext_lazy("令牌已过期，请重新申请令牌")


class TokenRevoked(NotAuthenticated):
    code = "token_revoked"
    default_message = gettext_lazy("令牌已被撤销")


class ScopeMissing(NotPermitted):
    code = "scope_missing"


def required_scope(method: str, path: str) -> str:
    """The scope a request needs: by :data:`RULES`, else ``read`` for reads and ``write`` otherwise."""
    method = method.upper()
    rest = path[len(API_ROOT) :] if path.startswith(API_ROOT) else path.lstrip("/")
    for scope, methods, pattern in RULES:
        if method in methods and pattern.search(rest):
            return scope
    return "write" if method in WRITES else "read"


# -- the per-process cache -------------------------------------------------------------------------
@dataclass
class _Entry:
    token_id: int
    user: User
    scopes: frozenset[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    loaded: float  # time.monotonic()
    generation: int


_entries: dict[str, _Entry] = {}
_generation: dict[str, float] = {"value": -1, "checked": float("-inf")}


def generation() -> int:
    """The counter of token, user and unit changes, read from the database at most once a second."""
    now = time.monotonic()
    if now - _generation["checked"] >= GENERATION_CHECK_SECONDS:
        value = TokenGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
        _generation["value"], _generation["checked"] = value or 0, now
    return int(_generation["value"])


def bump() -> None:
    """Make every worker forget its cached look-ups (this one at once, the others within a second).

    Runs in the caller's transaction, so a worker that reads the new value also reads the change."""
    if not TokenGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        TokenGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
    _entries.clear()
    _generation["checked"] = float("-inf")


def _load(digest: str, gen: int, prepare: Callable[[User], Any] | None) -> _Entry | None:
    row = ApiToken.objects.select_related("user__unit").filter(key_hash=digest).first()
    if row is None:
        return None
    if prepare is not None:
        prepare(row.user)  # what the face caches on the user is cached with it
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    entry = _Entry(
        token_id=row.pk,
        user=row.user,
        scopes=row.scope_set,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        loaded=time.monotonic(),
        generation=gen,
    )
    _entries[digest] = entry
    return entry


def _touch(entry: _Entry) -> None:
    now = timezone.now()
    if entry.last_used_at is None or now - entry.last_used_at >= timedelta(seconds=TOUCH_SECONDS):
        entry.last_used_at = now
        ApiToken.objects.filter(pk=entry.token_id).update(last_used_at=now)  # no signal, no bump


def authenticate(request: HttpRequest, key: str, prepare: Callable[[User], Any] | None = None) -> User | None:
    """The user a bearer ``key`` stands for on this request, or None (401) if no such token or the
    user is inactive. ``prepare`` runs on the user when it is read from the database, so whatever it
    remembers on the user (e.g. whether it is a partner's account) is cached with it. Raises TokenRevoked, TokenExpired (401), ScopeMissing (403) and
    RateLimited (429, past ``TOUSU_API_REQUESTS_PER_MINUTE`` for this token)."""
    digest = ApiToken.digest(key)
    gen = generation()
    entry = _entries.get(digest)
    if entry is None or entry.generation != gen or time.monotonic() - entry.loaded > settings.TOUSU_TOKEN_CACHE_SECONDS:
        _entries.pop(digest, None)
        entry = _load(digest, gen, prepare)
        if entry is None:
            return None
    if not entry.user.is_active:
        return None
    if entry.revoked_at is not None:
        raise TokenRevoked()
    if entry.expires_at is not None and entry.expires_at <= timezone.now():
        raise TokenExpired()
    ratelimit.check(
        f"api:token:{entry.token_id}",
        settings.TOUSU_API_REQUESTS_PER_MINUTE,
        60,
        _("此令牌的请求过于频繁，请稍后再试。"),
    )
    scope = required_scope(request.method or "GET", request.path)
    if scope not in entry.scopes:
        raise ScopeMissing(
            _("令牌缺少「%(scope)s」权限范围（%(code)s）") % {"scope": SCOPE_LABELS[scope], "code": scope},
            scope=scope,
        )
    _touch(entry)
    request.token_scopes = entry.scopes  # type: ignore[attr-defined]  # for the tokens routes
    return _fresh(entry.user)


def _fresh(user: User) -> User:
    """A copy of the cached user (and its unit) for one request, so that whatever a request sets on
    its user stays with that request. ``copy.copy`` of a model copies its field values and its
    related-object cache (``Model.__getstate__``); a fifth of the cost of ``deepcopy``."""
    clone = copy.copy(user)
    if user.unit is not None:
        clone.unit = copy.copy(user.unit)
    return clone


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if sender is User and fields is not None and set(fields) <= {"last_login"}:
        return  # a web login changes nothing a token's check reads
    bump()


for _model in (ApiToken, User, Unit):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"tokens-{_model.__name__}-save")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"tokens-{_model.__name__}-delete")


# -- services: create, list, revoke ---------------------------------------------------------------
class TokenRow(TypedDict):
    id: int
    user: str
    label: str
    scopes: list[str]
    state: str  # active / expired / revoked
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def token_row(token: ApiToken) -> TokenRow:
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at <= timezone.now():
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.pk,
        "user": token.user.username,
        "label": token.label,
        "scopes": [s for s in SCOPES if s in token.scope_set],
        "state": state,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def parse_scopes(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"read,write"`` or a list: known scopes, at least one, in the canonical order."""
    items = [v.strip().lower() for v in (value.split(",") if isinstance(value, str) else value)]
    items = [v for v in items if v]
    unknown = sorted(set(items) - set(SCOPES))
    if unknown or not items:
        raise ValidationFailed(
            _("权限范围应为 %(allowed)s 中的一个或多个") % {"allowed": ", ".join(SCOPES)},
            field="scopes",
            allowed=list(SCOPES),
        )
    return tuple(s for s in SCOPES if s in items)


def parse_expiry(value: str) -> int | None:
    """``"30d"``, ``"30"``, ``"12w"`` or ``"never"``: the lifetime in days (None: never)."""
    text = value.strip().lower()
    if text == "never":
        return None
    match = re.fullmatch(r"(\d{1,5})\s*([dw]?)", text)
    days = int(match.group(1)) * (7 if match.group(2) == "w" else 1) if match else 0
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            _("有效期应为 1 至 %(max)d 天（如 30d、12w），或 never") % {"max": MAX_DAYS}, field="expires"
        )
    return days


def _target(actor: User | None, username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None or (actor is not None and user.pk != actor.pk and not is_admin(actor)):
        raise NotFound(_("用户 %(username)s 不存在") % {"username": username[:150]}, field="user")
    if not user.is_active:
        raise ValidationFailed(_("用户 %(username)s 已停用") % {"username": user.username}, field="user")
    return user


def create(
    *,
    actor: User | None,
    username: str,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    days: int | None = None,
    label: str = "",
    within: frozenset[str] | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``username`` and its key (shown once). ``actor`` None is the operator at the
    server (the CLI); a user makes tokens for themselves, an administrator for anyone. ``within``
    is the scopes of the token making the request, if one does: a token never mints a wider one.
    ``days`` None means ``TOUSU_TOKEN_DAYS``; ``days=0`` never expires (the CLI's ``never``)."""
    user = _target(actor, username)
    scopes = parse_scopes(scopes)
    if within is not None and not set(scopes) <= within:
        missing = sorted(set(scopes) - within)
        raise ScopeMissing(
            _("新令牌的权限范围不能超过当前令牌（缺少：%(missing)s）") % {"missing": ", ".join(missing)},
            scope=missing[0],
        )
    label = label.strip()
    if len(label) > 60:
        raise ValidationFailed(_("标签不超过60个字"), field="label")
    if days is not None and not 0 <= days <= MAX_DAYS:
        raise ValidationFailed(_("有效期应为 1 至 %(max)d 天") % {"max": MAX_DAYS}, field="expires")
    lifetime = settings.TOUSU_TOKEN_DAYS if days is None else days
    expires_at = timezone.now() + timedelta(days=lifetime) if lifetime else None
    key = ApiToken.issue(user, label, scopes=scopes, expires_at=expires_at)
    token = ApiToken.objects.select_related("user").get(key_hash=ApiToken.digest(key))
    log(
        actor,
        "token_create",
        user.username,
        {"id": token.pk, "label": label, "scopes": list(scopes), "expires_at": _iso(expires_at)},
    )
    return token, key


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def list_tokens(*, actor: User | None, username: str | None = None, everything: bool = False) -> list[ApiToken]:
    """Tokens, newest first: the actor's own, or (an administrator or the operator) anyone's.
    Revoked and expired ones only with ``everything``."""
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    if actor is not None and not is_admin(actor):
        if username and username != actor.username:
            raise NotFound(_("用户 %(username)s 不存在") % {"username": username[:150]}, field="user")
        qs = qs.filter(user=actor)
    elif username:
        qs = qs.filter(user__username=username)
    if not everything:
        qs = qs.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    return list(qs[:500])


def revoke(*, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token (the actor's own, or anyone's for an administrator or the operator). The row
    stays, revoked; revoking it again changes nothing. Every worker refuses it within a second."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first() if 0 < token_id < 2**63 else None
    if token is None or (actor is not None and token.user_id != actor.pk and not is_admin(actor)):
        raise NotFound(_("令牌 %(id)s 不存在") % {"id": token_id}, field="id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])  # post_save: bump()
        log(actor, "token_revoke", token.user.username, {"id": token.pk, "label": token.label})
    return token


__all__ = [
    "SCOPES",
    "ScopeMissing",
    "TokenExpired",
    "TokenRevoked",
    "TousuError",
    "authenticate",
    "create",
    "list_tokens",
    "required_scope",
    "revoke",
]
