"""Request hygiene shared by every face."""
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse


class RejectNulMiddleware:
    """A NUL in the path or query string is refused with 400 before any view runs: databases
    cannot store or compare it (PostgreSQL raises), and no legitimate client sends one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query.lower() or "\x00" in query:
            return JsonResponse({"code": "bad_request", "message": "请求含有非法字符 (NUL)", "data": {}},
                                status=400)
        return self.get_response(request)
