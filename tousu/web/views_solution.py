"""The solution's sign-off on the complaint page (处理方案与补偿 card): the due signer signs or
refuses. The work is ``tousu.solution``'s service, on record as ``sign_solution`` /
``refuse_solution``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.core.errors import NotFound, TousuError
from tousu.solution import services
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view


@staff_view
@require_POST
def solution_signoff(request: StaffRequest, number: str) -> HttpResponseBase:
    version = request.POST.get("version", "")
    choice = request.POST.get("approved", "")
    if not version.isdigit() or choice not in ("true", "false"):
        messages.error(request, _("请选择签批同意或不同意"))
        return redirect("web:complaint", number)
    data = services.SignOff(version=int(version), approved=choice == "true", note=request.POST.get("note", "")[:2000])
    try:
        services.decide(actor=request.user, number=number, data=data)
        messages.success(request, _("已签批，记录在案。") if data.approved else _("已退回承办人重新办理，记录在案。"))
    except NotFound:
        raise
    except TousuError as err:
        messages.error(request, err.message)
    return redirect("web:complaint", number)
