"""Request hygiene shared by every face: security headers, NUL refusal, body size, client address."""

from __future__ import annotations

import io
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from tousu.core import logfilters

# Every asset is served by the app (intranets have no internet), and no page has inline script or
# style: the templates use static files only, so nothing here needs 'unsafe-inline' or 'unsafe-eval'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# Swagger UI (the API docs, ninja's bundled copy) draws some icons from data: URIs in its stylesheet
# (e.g. the arrows of its selects); that page alone allows data: images. Scripts and styles stay 'self'.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("img-src 'self'", "img-src 'self' data:")
DOCS_VIEWS = frozenset({"api:openapi-view"})
# Nothing in tousu uses these browser features; deny them to the page and anything it could embed.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "serial",
        "xr-spatial-tracking",
    )
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecurityHeadersMiddleware:
    """Content-Security-Policy, Permissions-Policy and framing on every response; ``Cache-Control:
    no-store`` on everything but static assets, since pages, API answers, exports, attachments and
    letters all carry personal data that must not stay in a shared or browser cache.

    It sits above WhiteNoise, so static files get the policies too but keep WhiteNoise's caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        docs = match is not None and match.view_name in DOCS_VIEWS
        policy = DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("X-Frame-Options", "DENY")
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response


class RejectNulMiddleware:
    """A NUL in the path or query string is refused with 400 before any view runs: databases
    cannot store or compare it (PostgreSQL raises), and no legitimate client sends one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query.lower() or "\x00" in query:
            return JsonResponse({"code": "bad_request", "message": "请求含有非法字符（NUL）", "data": {}}, status=400)
        return self.get_response(request)


def body_limit(request: HttpRequest) -> int:
    """The largest body accepted: one attachment plus the form fields for a multipart upload,
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for anything else (JSON, form posts), which is read into memory."""
    fields = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if fields is None:  # Django's "no limit"
        return sys.maxsize
    if request.content_type == "multipart/form-data":
        return settings.TOUSU_ATTACHMENT_MAX_BYTES + fields
    return fields


def too_large(request: HttpRequest, limit: int | None = None) -> HttpResponse:
    """413: JSON ``{code, message, data}`` under /api/, a page for the web UI (in the user's
    language: this runs before LocaleMiddleware)."""
    limit = body_limit(request) if limit is None else limit
    with translation.override(translation.get_language_from_request(request)):
        message = _("提交的内容过大（上限 %(mb)s MB），未作任何处理。") % {"mb": _megabytes(limit)}
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"code": "too_large", "message": message, "data": {"limit": limit}},
                status=413,
                json_dumps_params={"ensure_ascii": False},
            )
        return HttpResponse(render_to_string("413.html", {"message": message}, request), status=413)


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.0f}" if size % 1048576 == 0 else f"{size / 1048576:.1f}"


class BodySizeMiddleware:
    """Refuse a body over :func:`body_limit` with 413 before any view, CSRF check or parser reads it.

    - ``Content-Length`` over the limit: refused unread.
    - Chunked, without ``Content-Length``: Django's WSGI request would read none of it, so it is
      read here, at most one byte past the limit, and handed on as a buffered body; a server that
      does not end the input for us (``wsgi.input_terminated``) gets 411.
    - A multipart upload is parsed here, so a form-field part over ``DATA_UPLOAD_MAX_MEMORY_SIZE``
      (Django's ``RequestDataTooBig``) is a 413 too, not a 400 from the CSRF check or a 500 from
      the API's catch-all handler.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in BODY_METHODS:
            return self.get_response(request)
        limit = body_limit(request)
        try:
            length = max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large(request, limit)
        if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            if not request.META.get("wsgi.input_terminated"):
                return _refuse(411, "length_required", _("请在请求中注明 Content-Length。"))
            body = _read_at_most(request.META["wsgi.input"], limit + 1)
            if len(body) > limit:
                return too_large(request, limit)
            # The WSGI request's own stream is limited to Content-Length (absent: 0 bytes); give it
            # the body read here instead, with its length, as Django does for a buffered body.
            request._stream = io.BytesIO(body)
            request.META["CONTENT_LENGTH"] = str(len(body))
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018  (parse now: uploads go to temporary files as usual)
            except RequestDataTooBig:
                return too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            except MultiPartParserError:  # cut short or malformed: a client error, not a 500
                return _refuse(400, "bad_request", _("上传的表单数据不完整或格式有误。"))
        return self.get_response(request)


def _refuse(status: int, code: str, message: str) -> HttpResponse:
    """A refusal no browser form provokes (only hand-made clients do): JSON for every face."""
    return JsonResponse(
        {"code": code, "message": message, "data": {}}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _read_at_most(stream: io.RawIOBase, size: int) -> bytes:
    parts, got = [], 0
    while got < size:
        chunk = stream.read(min(64 * 1024, size - got))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def client_address(request: HttpRequest) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind the proxy (``TOUSU_PROXY``) the last entry
    of ``X-Forwarded-For`` — the one our proxy appended; earlier entries are whatever the client sent."""
    if settings.TOUSU_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


# An incoming X-Request-ID (from the proxy or the client) is kept only if it is this plain.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
request_log = logging.getLogger("tousu.request")


class RequestIdMiddleware:
    """First in the stack: every request gets an id — a sane incoming ``X-Request-ID`` (at most 64
    of ``A-Za-z0-9._-``: the proxy's, so its log and ours meet) or a new one — held in a context
    variable for the log records (``tousu.core.logfilters.RequestId``) and the tasks it enqueues,
    and echoed in the response's ``X-Request-ID``. Ends with one log line (``tousu.request``, INFO):
    method, path (never the query string: it may carry personal data), status, duration, user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token, user_token = logfilters.request_id.set(rid), logfilters.user_id.set(None)
        start = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            if request_log.isEnabledFor(logging.INFO):  # the hot paths skip the rest below INFO
                self.log(request, response, start)
            return response
        finally:
            logfilters.request_id.reset(token)
            logfilters.user_id.reset(user_token)

    @staticmethod
    def log(request: HttpRequest, response: HttpResponse, start: float) -> None:
        user = request.__dict__.get("_cached_user") or getattr(request, "auth", None)
        if getattr(user, "is_authenticated", False):
            logfilters.user_id.set(user.pk)  # type: ignore[union-attr]
        duration = round((time.monotonic() - start) * 1000, 1)
        request_log.info(
            "%s %s %d %.1fms",
            request.method,
            request.path,
            response.status_code,
            duration,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration,
            },
        )
