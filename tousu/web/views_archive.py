"""「下载归档文件」: the complaint's archive file (a zip) as the signed-in user may see it."""

from __future__ import annotations

from django.http import FileResponse
from django.views.decorators.http import require_GET

from tousu.archive import services
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view


@staff_view
@require_GET
def archive_file(request: StaffRequest, number: str) -> FileResponse:
    tmp, _manifest = services.export_to_temp(actor=request.user, number=number)
    return FileResponse(tmp, as_attachment=True, filename=services.zip_name(number), content_type="application/zip")
