"""The 「文书」 section's requests: make a letter (POST) and download one as PDF or Word (GET)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tousu.core.downloads import disposition
from tousu.core.errors import NotFound, TousuError
from tousu.letters import render, selectors, services
from tousu.web.auth import StaffRequest
from tousu.web.views import staff_view

TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@staff_view
@require_http_methods(["GET", "POST"])
def letters(request: StaffRequest, number: str) -> HttpResponse:
    if request.method == "POST":
        return _make(request, number)
    ext, letter_id = request.GET.get("format", ""), request.GET.get("id", "")
    if ext not in TYPES or not letter_id.isdigit() or len(letter_id) > 12:
        return redirect(reverse("web:complaint", args=[number]) + "#letters")
    try:
        row = selectors.letter_of(request.user, number, int(letter_id))
    except NotFound as err:
        raise Http404(err.message) from None
    content = render.pdf(row) if ext == "pdf" else render.docx(row)
    response = HttpResponse(content, content_type=TYPES[ext])
    response["Content-Disposition"] = disposition(f"letter-{row['id']}.{ext}", selectors.file_name(row, ext))
    return response


def _make(request: StaffRequest, number: str) -> HttpResponse:
    post = request.POST
    try:
        data = services.LetterIn(
            template=post.get("template", "")[:60], title=post.get("title") or None, body=post.get("body") or None
        )
        letter = services.make_letter(actor=request.user, number=number, data=data)
    except NotFound as err:
        raise Http404(err.message) from None
    except TousuError as err:
        messages.error(request, err.message)
    except ValueError:  # the input model's own checks (lengths, NUL characters)
        messages.error(request, _("文书内容有误，请检查标题和正文的长度"))
    else:
        messages.success(
            request, _("已生成文书：%(reference)s %(title)s") % {"reference": letter.reference, "title": letter.title}
        )
    return redirect(reverse("web:complaint", args=[number]) + "#letters")
