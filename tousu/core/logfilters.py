"""Logging filters named in ``settings.LOGGING``."""

from __future__ import annotations

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
