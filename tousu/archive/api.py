"""GET /api/v1/complaints/{number}/archive: the complaint's archive file (a zip), as the caller
may see it. Thin: one service call, the file streamed back from its temporary file.

The path is the ``archive`` action's (POST …/archive, tousu.api.complaints): ninja gives each
router's path one URL pattern, so the GET is put on that router (``mount``), not on one of its own
(whose pattern would come second and answer 405)."""

from __future__ import annotations

from django.http import FileResponse
from ninja import Router

from tousu.api.authed import AuthedRequest
from tousu.api.schemas import contract
from tousu.archive import services

ZIP = "application/zip"


def mount(router: Router) -> None:
    """Put the route on ``router``, the complaints' router (mounted at /complaints)."""
    router.get(
        "/{number}/archive",
        tags=["archive 归档"],
        **contract({200: None}, 404, content={ZIP: {"schema": {"type": "string", "format": "binary"}}}),
        summary="归档文件 archive file",
        description="投诉件的归档文件（zip）：卷宗 PDF（全部事实、投诉人与被投诉人、办理记录、文书目录、诉求事项）、"
        "各份文书的 PDF、调用者可见的原始附件，以及 manifest.json（文件名、大小、SHA-256、编号、导出人和时间）。"
        "调用者看到的是隐去投诉人身份的视图时，归档文件同样隐去。任何状态均可导出，导出记入办理记录；不在数据范围 404。",
    )(archive_file)


def archive_file(request: AuthedRequest, number: str) -> FileResponse:
    tmp, _manifest = services.export_to_temp(actor=request.auth, number=number)
    return FileResponse(tmp, as_attachment=True, filename=services.zip_name(number), content_type=ZIP)
