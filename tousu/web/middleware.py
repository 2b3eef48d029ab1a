"""Request middleware of the faces (web pages and API alike)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tousu.complaints.preset import mark_request


def preset_in_force(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Every request sees the preset as the database holds it now (at most a second old): an
    administrator's change in one worker reaches every other (tousu.complaints.preset). The
    database is read only if the request reads the preset."""

    def middleware(request: HttpRequest) -> HttpResponse:
        mark_request()
        try:
            return get_response(request)
        finally:
            mark_request(False)

    return middleware
