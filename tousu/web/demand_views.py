"""The clerk's correction of a complaint's demand items (the complaint page's 诉求事项 card): one
item per line. The work is ``tousu.replycheck``'s service, on record as ``edit_demands``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.core.errors import NotFound, TousuError
from tousu.replycheck import services
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view


@staff_view
@require_POST
def demand_items(request: StaffRequest, number: str) -> HttpResponseBase:
    lines = request.POST.get("items", "")[:20000].splitlines()
    version = request.POST.get("version", "")
    try:
        services.edit_items(
            actor=request.user, number=number, items=lines, version=int(version) if version.isdigit() else None
        )
        messages.success(request, _("诉求事项已修改，记录在案。"))
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    return redirect("web:complaint", number)
