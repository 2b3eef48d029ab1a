"""The 「调查记录」 section's form posts: an entry (with a file uploaded on the way), the root
cause (8D as eight rows, or 5W1H) and the batch. Each parses, calls one service, and returns to
the section with the outcome as a message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tousu.complaints import attachments
from tousu.complaints.access import access_complaint
from tousu.complaints.inputs import Attach
from tousu.core.errors import NotFound, NotPermitted, TousuError, ValidationFailed
from tousu.investigation import rules, selectors, services
from tousu.web.auth import StaffRequest
from tousu.web.forms import parse
from tousu.web.views import staff_view


def _moment(text: str) -> dt.datetime | None:
    """A ``datetime-local`` value, in the deployment's time zone."""
    if not text.strip():
        return None
    try:
        return timezone.make_aware(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        raise ValidationFailed(_("时间格式有误"), field="occurred_at") from None


def _entry(request: StaffRequest, number: str) -> str:
    post = request.POST
    chosen = [int(v) for v in post.getlist("attachments") if v.isdigit() and len(v) < 12]
    data = parse(
        services.EntryIn,
        kind=post.get("kind", ""),
        text=post.get("text", ""),
        occurred_at=_moment(post.get("occurred_at", "")),
        place=post.get("place", ""),
        people=post.get("people", ""),
        subject=post.get("subject", ""),
        outcome=post.get("outcome", ""),
        attachments=chosen,
    )
    upload = request.FILES.get("file")
    # Everything that could refuse the entry is asked before the file is stored.
    services.check_entry(data, uploads=1 if upload else 0)
    if not selectors.may_record(request.user, access_complaint(request.user, number)):  # before the upload
        raise NotPermitted(_("只有承办单位在办理中可以记录调查"))
    if upload is not None:
        stored = attachments.add(
            actor=request.user,
            number=number,
            data=parse(Attach, name=upload.name or "", content=upload.read(), note=_("调查证据")),
        )
        data = data.model_copy(update={"attachments": [*data.attachments, stored.pk]})
    services.add_entry(actor=request.user, number=number, data=data)
    return _("已记录调查")


def _root_cause(request: StaffRequest, number: str) -> str:
    post = request.POST
    method = post.get("method", "")
    parts: dict[str, Any] = {}
    for code, _label in rules.DISCIPLINES.get(method, ()):
        parts[code] = {
            "text": post.get(f"{code}-text", ""),
            "owner": post.get(f"{code}-owner", ""),
            "date": post.get(f"{code}-date", "") or None,
        }
    services.set_root_cause(
        actor=request.user,
        number=number,
        data=parse(services.RootCauseIn, method=method, parts=parts, version=post.get("version") or None),
    )
    return _("已保存根本原因分析")


def _batch(request: StaffRequest, number: str) -> str:
    post = request.POST
    data = parse(
        services.BatchIn,
        batch=post.get("batch", ""),
        production_date=post.get("production_date", "") or None,
        retained_sample=post.get("retained_sample", ""),
        sample_result=post.get("sample_result", ""),
        related_batches=post.get("related_batches", ""),
        version=post.get("version") or None,
    )
    services.set_batch_trace(actor=request.user, number=number, data=data)
    return _("已保存批次信息")


PARTS = {"entry": _entry, "root_cause": _root_cause, "batch": _batch}


@staff_view
@require_POST
def investigation(request: StaffRequest, number: str) -> HttpResponse:
    access_complaint(request.user, number)  # outside the reader's scope: 404 before anything is parsed
    handle = PARTS.get(request.POST.get("part", ""))
    if handle is None:
        messages.error(request, _("无法识别的调查记录表单"))
    else:
        try:
            messages.success(request, handle(request, number))
        except NotFound:
            raise
        except TousuError as err:
            messages.error(request, err.message)
    return redirect(reverse("web:complaint", args=[number]) + "#investigation")
