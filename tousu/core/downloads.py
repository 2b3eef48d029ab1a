"""How a file is offered for download: one ``Content-Disposition`` for every face."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from django.http import StreamingHttpResponse


def disposition(fallback: str, name: str) -> str:
    """``attachment`` with an ASCII ``fallback`` name and the Chinese ``name`` percent-encoded in
    UTF-8 (RFC 6266 / 5987), so every browser saves 2026年11月投诉情况月报.pdf, or at least report-3.pdf."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def streamed(body: Iterator[bytes], content_type: str, name: str) -> StreamingHttpResponse:
    """A file sent as it is written (an export): ``name`` is ASCII (ledger-20261201-0930.xlsx)."""
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
