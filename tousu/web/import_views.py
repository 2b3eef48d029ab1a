"""The ledger import page (``/ledger/import/``), for the roles the action table lets import
(administrators and the complaint centre): upload an Excel ledger, check
it (the default: a dry run that lists every bad row and writes nothing), then import it. The work
is ``tousu.ledger.importer``'s, as for ``tousu import``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tousu.complaints.access import may
from tousu.core.errors import TousuError
from tousu.ledger import importer, mapping
from tousu.ledger.models import ImportRun, LedgerMapping
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

MAX_BYTES = 20 * 1024 * 1024


@staff_view
def ledger_import(request: StaffRequest) -> HttpResponse:
    if not may(request.user, "import"):
        raise PermissionDenied(_("只有管理员或投诉中心可以导入台账"))
    context: dict[str, Any] = {
        "mappings": LedgerMapping.objects.all(),
        "runs": ImportRun.objects.all()[:10],
        "mapping_name": mapping.DEFAULT,
        "dry_run": True,
    }
    status = 200
    if request.method == "POST":
        name = request.POST.get("mapping", "").strip() or mapping.DEFAULT
        dry_run = request.POST.get("commit") != "1"
        context.update(mapping_name=name[:60], dry_run=dry_run)
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise TousuError(_("请选择要导入的 Excel 文件（.xlsx）"))
            if upload.size is not None and upload.size > MAX_BYTES:
                raise TousuError(_("文件超过 20 MB，请拆分后导入，或在服务器上用 tousu import 导入"))
            report = importer.run(
                actor=request.user,
                data=upload.read(),
                file_name=upload.name or "",
                mapping_name=name[:60],
                dry_run=dry_run,
            )
            context["report"] = report
            if report.problems:
                status = 422
        except TousuError as err:
            context["error"] = err.message
            status = 422
    return render(request, "web/ledger_import.html", context, status=status)
