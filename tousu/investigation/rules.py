"""What the preset asks of the investigation (``Preset.investigation``), and the check that
``handling.submit_result`` makes before it accepts a result."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tousu.complaints.models import Complaint
from tousu.complaints.preset import active
from tousu.core.errors import InvalidTransition
from tousu.presets.base import Investigation

# 8D: the disciplines as the manufacturing preset's duties name them (seed 001: 001-08 … 001-16).
EIGHT_D: tuple[tuple[str, Any], ...] = (
    ("D1", gettext_lazy("D1 成立小组")),
    ("D2", gettext_lazy("D2 问题描述")),
    ("D3", gettext_lazy("D3 临时措施")),
    ("D4", gettext_lazy("D4 根本原因")),
    ("D5", gettext_lazy("D5 永久对策")),
    ("D6", gettext_lazy("D6 实施与验证")),
    ("D7", gettext_lazy("D7 预防再发")),
    ("D8", gettext_lazy("D8 总结与表彰")),
)
# 5W1H (001-22): the questions the investigation answers.
FIVE_W_ONE_H: tuple[tuple[str, Any], ...] = (
    ("what", gettext_lazy("何事（What）")),
    ("why", gettext_lazy("何因（Why）")),
    ("where", gettext_lazy("何地（Where）")),
    ("when", gettext_lazy("何时（When）")),
    ("who", gettext_lazy("何人（Who）")),
    ("how", gettext_lazy("如何（How）")),
)
DISCIPLINES: dict[str, tuple[tuple[str, Any], ...]] = {"8d": EIGHT_D, "5w1h": FIVE_W_ONE_H}
METHOD_LABELS: dict[str, Any] = {"8d": gettext_lazy("8D 报告"), "5w1h": gettext_lazy("5W1H 分析")}


def policy() -> Investigation:
    return active().investigation


def applies(complaint: Complaint, rules: Investigation | None = None) -> bool:
    """Whether ``complaint``'s result needs the root cause (and batch) first. ``required_for``
    holds kinds and category codes: where it names kinds, the complaint's kind must be one of
    them; where it names categories, its category (or one above it) must be one of them."""
    rules = rules or policy()
    if (rules.root_cause == "none" and not rules.batch_required) or not rules.required_for:
        return False
    from tousu.complaints.models import Kind

    kinds = {code for code in rules.required_for if code in Kind.values}
    categories = set(rules.required_for) - kinds
    if kinds and complaint.kind not in kinds:
        return False
    if not categories:
        return True
    category = complaint.category
    while category is not None:
        if category.code in categories:
            return True
        category = category.parent
    return False


def missing_parts(method: str, parts: dict[str, Any]) -> list[str]:
    """The disciplines of ``method`` not filled in ``parts``: 8D needs text, owner and date; 5W1H
    the text."""
    missing = []
    for code, _label in DISCIPLINES.get(method, ()):
        part = parts.get(code) or {}
        needed = ("text", "owner", "date") if method == "8d" else ("text",)
        if any(not str(part.get(k) or "").strip() for k in needed):
            missing.append(code)
    return missing


def known_batch(complaint: Complaint) -> str:
    """The complaint's batch: entered in the trace, else on a respondent row, else the preset's
    custom field ``batch_no``."""
    from tousu.investigation.models import BatchTrace

    trace = BatchTrace.objects.filter(complaint=complaint).first()
    if trace is not None and trace.batch:
        return trace.batch
    on_row = next((b for b in complaint.respondents.values_list("batch", flat=True) if b), "")
    return on_row or str((complaint.custom or {}).get("batch_no") or "")


def missing(complaint: Complaint) -> list[str]:
    """What the preset still needs before the result, as readable items; [] if nothing."""
    from tousu.investigation.models import RootCause

    rules = policy()
    if not applies(complaint, rules):
        return []
    items: list[str] = []
    if rules.root_cause != "none":
        label = str(METHOD_LABELS[rules.root_cause])
        record = RootCause.objects.filter(complaint=complaint, method=rules.root_cause).first()
        if record is None:
            items.append(_("根本原因分析（%(method)s）") % {"method": label})
        else:
            labels = dict(DISCIPLINES[rules.root_cause])
            gaps = missing_parts(rules.root_cause, record.parts)
            if gaps:
                items.append(
                    _("%(method)s中未填写完整的项：%(parts)s")
                    % {"method": label, "parts": "、".join(str(labels[g]) for g in gaps)}
                )
    if rules.batch_required and not known_batch(complaint):
        items.append(_("批号"))
    return items


def enforce(complaint: Complaint) -> None:
    """Refuse the result (409 ``investigation_incomplete``) while the preset's investigation
    record is incomplete; called by ``handling.submit_result`` inside its transaction."""
    items = missing(complaint)
    if items:
        raise InvalidTransition(
            _("提交办理结果前须完成调查记录，尚缺：%(items)s") % {"items": "；".join(items)},
            code="investigation_incomplete",
            missing=items,
        )
