"""The preset pages: its documentation for every staff user (``/presets/<name>/``), and its
administration for the administrators (``/preset/``): deadline rules, thresholds, any section as
YAML under the preset files' own validation, a preview of due dates, and what differs from the
shipped preset. Every change goes through ``complaints.services.presets`` and is logged."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from tousu.complaints.models import PresetState
from tousu.complaints.preset import active
from tousu.complaints.services import presets
from tousu.core.errors import TousuError, ValidationFailed
from tousu.presets import REGISTRY
from tousu.presets.base import PERIOD_LABELS, UNIT_LABELS, differences
from tousu.presets.docs import KIND_LABELS, REASON_GROUPS, conditions, sections, source
from tousu.web.auth import StaffRequest
from tousu.web.forms import Choices
from tousu.web.views import _admin_only, staff_view

THRESHOLDS = (
    ("repeat_window_days", gettext_noop("重复投诉识别期间（日）")),
    ("group_threshold", gettext_noop("群体投诉人数")),
    ("group_window_days", gettext_noop("群体投诉期间（日）")),
    ("hot_threshold", gettext_noop("热点问题投诉人数")),
    ("hot_window_days", gettext_noop("热点问题期间（日）")),
    ("max_representatives", gettext_noop("代表人数上限")),
    ("unreachable_attempts", gettext_noop("联系不上办结前的回访次数")),
)


@staff_view
@require_GET
def document(request: StaffRequest, name: str) -> HttpResponse:
    """A preset's rules and their sources; the one in force as revised here."""
    in_force = active()
    preset = in_force if name == in_force.name else REGISTRY.get(name)
    if preset is None:
        raise Http404(_("没有这个预置方案"))
    return render(
        request,
        "web/preset_doc.html",
        {"p": preset, "sections": sections(preset), "in_force": preset is in_force, "others": list(REGISTRY.values())},
    )


@staff_view
def admin(request: StaffRequest) -> HttpResponse:
    _admin_only(request, _("只有管理员可以修改预置方案"))
    if request.method == "POST":
        _change(request)
        return redirect(f"{request.path}?section={request.POST.get('section', '')}")
    return render(request, "web/preset_admin.html", _page(request))


def _change(request: StaffRequest) -> None:
    data, op = request.POST, request.POST.get("op", "")
    try:
        if op == "rule":
            name = data.get("name", "")
            presets.revise_rule(
                actor=request.user,
                name=name,
                changes={
                    "amount": _number(data.get("amount"), "amount"),
                    "unit": data.get("unit", ""),
                    "extension_cap": _number(data.get("extension_cap"), "extension_cap", blank=None),
                },
            )
            messages.success(request, _("已保存期限规则 %(n)s") % {"n": name})
        elif op == "thresholds":
            values = {key: _number(data.get(key), key) for key, _label in THRESHOLDS}
            presets.revise(actor=request.user, changes={"thresholds": values})
            messages.success(request, _("已保存阈值"))
        elif op == "reason":
            group, code = data.get("group", ""), data.get("code", "").strip()
            presets.revise_item(
                actor=request.user,
                section=("reasons", group),
                code=code,
                values=_present(data, ("name", "template")),
                new="new" in data,
            )
            messages.success(request, _("已保存原因 %(c)s") % {"c": code})
        elif op == "grade":
            code = data.get("code", "").strip()
            presets.revise_item(
                actor=request.user,
                section=("grades",),
                code=code,
                values=_present(data, ("name", "description")),
                new="new" in data,
            )
            messages.success(request, _("已保存等级 %(c)s") % {"c": code})
        elif op == "section":
            section = data.get("section", "")
            presets.revise(actor=request.user, changes={section: _yaml(data.get("text", ""))})
            messages.success(request, _("已保存「%(s)s」") % {"s": section})
        else:
            messages.error(request, _("未知的操作"))
    except TousuError as err:
        messages.error(request, err.message)


def _present(data: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The fields of a row form that were sent (a template is kept as typed, the rest stripped)."""
    return {n: data[n] if n == "template" else data[n].strip() for n in names if n in data}


def _number(value: Any, field: str, blank: Any = ...) -> Any:
    text = (value or "").strip()
    if not text and blank is not ...:
        return blank
    try:
        return int(text)
    except ValueError:
        raise ValidationFailed(_("%(f)s：应为整数") % {"f": field}, field=field) from None


def _yaml(text: str) -> Any:
    import yaml

    if len(text) > 200_000:
        raise ValidationFailed(_("内容过长"), field="text")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = _("第%(n)d行：") % {"n": mark.line + 1} if mark else ""
        raise ValidationFailed(f"{where}{getattr(err, 'problem', None) or err}", field="text") from None


def _page(request: StaffRequest) -> dict[str, Any]:
    import yaml

    preset = active()
    section = request.GET.get("section", "")
    section = section if section in presets.EDITABLE else "categories"
    plain = preset.model_dump(mode="json", by_alias=True, exclude_defaults=True)  # defaults come back on save
    state = PresetState.objects.filter(pk=1).first()
    preview, asked = _preview(request)
    shipped = REGISTRY.get(preset.name)
    return {
        "p": preset,
        "state": state,
        "rules": [
            {
                "rule": r,
                "kind": _(KIND_LABELS.get(r.kind, r.kind)),
                "when": conditions(preset, r.when),
                "source": source(r.source),
            }
            for r in preset.deadlines
        ],
        # "工作日" alone, as the unit next to the amount: the period's own msgid, without the amount.
        "units": [(unit, (_(PERIOD_LABELS[unit]) % {"amount": ""}).strip()) for unit in UNIT_LABELS],
        "thresholds": [(key, _(label), getattr(preset.thresholds, key)) for key, label in THRESHOLDS],
        "reason_groups": [(group, _(REASON_GROUPS[group]), items) for group, items in preset.reasons.groups().items()],
        "grades": preset.grades,
        "sections": presets.EDITABLE,
        "section": section,
        "section_text": yaml.safe_dump(plain.get(section, ""), allow_unicode=True, sort_keys=False, width=120),
        "preview": preview,
        "asked": asked,
        "choices": {k: Choices()(k) for k in ("kinds", "channels", "grades", "dispatch_modes")},
        "differences": differences(shipped, preset) if shipped else [],
    }


def _preview(request: StaffRequest) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The preview table for the query's complaint (a complaint received now by hotline)."""
    asked = {
        "kind": request.GET.get("kind", "complaint"),
        "channel": request.GET.get("channel", "hotline"),
        "grade": request.GET.get("grade", ""),
        "mode": request.GET.get("mode", ""),
        "received": request.GET.get("received", ""),
    }
    received = None
    if asked["received"]:
        try:
            received = timezone.make_aware(dt.datetime.fromisoformat(asked["received"]))
        except ValueError:
            messages.error(request, _("收到时间格式有误"))
    try:
        rows = presets.preview(
            received_at=received,
            kind=asked["kind"],
            channel=asked["channel"],
            grade=asked["grade"],
            mode=asked["mode"],
        )
    except TousuError as err:
        messages.error(request, err.message)
        rows = []
    for row in rows:
        row["label"] = _(KIND_LABELS.get(row["kind"], row["kind"]))
    return rows, asked
