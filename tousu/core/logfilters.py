"""Logging filters named in ``settings.LOGGING``."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging


class ClientErrorsInOneLine(logging.Filter):
    """Drop the traceback of a record about a 4xx response.

    Django logs every ``PermissionDenied`` (and ``SuspiciousOperation``) with the exception
    attached; a refused request is expected, and a page of traceback per refusal buries the
    errors that matter. The one-line message (status, path) stays; 5xx keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


# -- request ids (tousu.core.middleware.RequestIdMiddleware) ---------------------------------

# The id of the request (or the task) this code runs for; "-" outside both.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("tousu_request_id", default=None)
# The signed-in user's id, once the request log line knows it.
user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("tousu_user_id", default=None)
# What the JSON lines carry beyond the standard fields, when a record has them (``extra=``).
EXTRA_FIELDS = ("path", "method", "status", "duration_ms")


class RequestId(logging.Filter):
    """Put ``request_id`` (and ``user_id``) on every record, for the formatters to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get() or "-"
        if not hasattr(record, "user_id"):
            record.user_id = user_id.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line (TOUSU_LOG_FORMAT=json): time, level, logger, message, request_id,
    user_id when known, and for the request log line path, method, status and duration; a traceback
    as ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get() or "-",
        }
        user = getattr(record, "user_id", None)
        if user is not None:
            entry["user_id"] = user
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)
