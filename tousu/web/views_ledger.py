"""The ledger page (投诉台账, SPEC §11, issue 16 §1–2): the preset's register of the complaints the
reader may see, filtered and sorted, one page at a time; its exports — downloaded at once when
small, written by the task queue when large, with the progress shown here and the file offered when
done. Thin: it reads the query (forms.LedgerQuery) and calls tousu.ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tousu.complaints.models import Satisfaction
from tousu.complaints.preset import active
from tousu.complaints.states import Status
from tousu.core import downloads
from tousu.core.errors import NotFound, TousuError
from tousu.ledger import exports, selectors
from tousu.ledger.models import Export
from tousu.web.auth import StaffRequest
from tousu.web.forms import Choices, LedgerQuery
from tousu.web.views import staff_view

SORTS = (
    ("-id", gettext_lazy("登记顺序（新→旧）")),
    ("id", gettext_lazy("登记顺序（旧→新）")),
    ("-received_at", gettext_lazy("受理时间（新→旧）")),
    ("received_at", gettext_lazy("受理时间（旧→新）")),
    ("handling_due", gettext_lazy("办理期限（近→远）")),
    ("-handling_due", gettext_lazy("办理期限（远→近）")),
    ("-closed_at", gettext_lazy("办结日期（新→旧）")),
    ("closed_at", gettext_lazy("办结日期（旧→新）")),
)


def _sorts() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in SORTS]


@staff_view
@require_GET
def ledger(request: StaffRequest) -> HttpResponse:
    query, problem = LedgerQuery.from_query(request.GET)
    found = None
    try:
        found = selectors.page(request.user, query)
    except TousuError as err:
        problem = problem or err.message
        found = selectors.page(request.user, LedgerQuery())
    if problem:
        messages.error(request, problem)
    params = request.GET.copy()
    params.pop("after", None)
    choices = Choices()
    context: dict[str, Any] = {
        "q": query,
        "page": found,
        "first": found.rows[0]["seq"] if found.rows else 0,
        "last": found.rows[-1]["seq"] if found.rows else 0,
        "next_url": "?" + _with(params, after=found.next) if found.next else "",
        "first_url": "?" + params.urlencode() if query.after else "",
        "export_query": params.urlencode(),
        "layouts": [(x.code, x.name) for x in active().ledger.layouts],
        "sorts": _sorts(),
        "statuses": Status.choices,
        "satisfactions": Satisfaction.choices,
        "channels": choices("channels"),
        "units": choices("units"),
        "categories": choices("categories"),
        "grades": choices("grades"),
        "exports": exports.recent(request.user),
        "direct_limit": exports.DIRECT_LIMIT,
        "here": "ledger",
    }
    return render(request, "web/ledger.html", context)


def _with(params: Any, **more: Any) -> str:
    out = params.copy()
    for key, value in more.items():
        out[key] = value
    return str(out.urlencode())


@staff_view
@require_POST
def ledger_export(request: StaffRequest) -> HttpResponseBase:
    """Export what the page shows: at once when small, else queued (and back to the page)."""
    query, problem = LedgerQuery.from_query(request.GET)
    back = reverse("web:ledger") + ("?" + request.GET.urlencode() if request.GET else "")
    if problem:
        messages.error(request, problem)
        return redirect(back)
    try:
        made = exports.deliver(request.user, query, request.POST.get("format", "xlsx"))
    except TousuError as err:
        messages.error(request, err.message)
        return redirect(back)
    if not isinstance(made, Export):
        return downloads.streamed(*made)
    messages.success(
        request, _("共%(n)d条，已转为后台导出「%(t)s」，完成后可在本页下载") % {"n": made.total, "t": made.title}
    )
    return redirect(back + "#exports")


def _mine(request: StaffRequest, key: str) -> Export:
    """One of the user's exports; anyone else's is not found."""
    try:
        return exports.mine(request.user, key)
    except NotFound:
        raise Http404 from None


@staff_view
@require_GET
def export_state(request: StaffRequest, key: str) -> JsonResponse:
    """The progress of one of the user's exports, for the page to show without reloading."""
    e = _mine(request, key)
    done = e.state == Export.State.DONE
    return JsonResponse(
        {
            "state": e.state,
            "state_name": e.get_state_display(),
            "done": e.done,
            "total": e.total,
            "percent": e.percent,
            "error": e.error,
            "download": reverse("web:ledger_export_file", args=[e.key]) if done else "",
        }
    )


@staff_view
@require_GET
def export_file(request: StaffRequest, key: str) -> HttpResponseBase:
    e = _mine(request, key)
    if e.state != Export.State.DONE:
        messages.error(request, _("导出尚未完成（%(s)s）") % {"s": e.get_state_display()})
        return redirect(reverse("web:ledger") + "#exports")
    return FileResponse(
        exports.path_of(e).open("rb"),
        as_attachment=True,
        filename=f"ledger-{e.created_at:%Y%m%d-%H%M}.{e.format}",
        content_type=exports.CONTENT_TYPES[e.format],
    )
