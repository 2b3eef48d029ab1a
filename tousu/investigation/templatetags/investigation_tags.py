"""The 「调查记录」 section of the staff's complaint page:
``{% load investigation_tags %}{% investigation_section %}``."""

from __future__ import annotations

from typing import Any

from django import template

from tousu.investigation import rules, selectors

register = template.Library()


@register.inclusion_tag("investigation/_section.html", takes_context=True)
def investigation_section(context: Any) -> dict[str, Any]:
    c, user = context["c"], context["request"].user
    record = selectors.investigation_of(user, c.number)
    root = record["root_cause"]
    filled: dict[str, Any] = {p["code"]: p for p in root["parts"]} if root else {}
    method = record["method"] if record["method"] != "none" else (root["method"] if root else "none")
    rows = [
        {"code": code, "label": str(label), **{k: filled.get(code, {}).get(k, "") for k in ("text", "owner", "date")}}
        for code, label in rules.DISCIPLINES.get(method, ())
    ]
    detail = context.get("d") or {}
    return {
        "c": c,
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "method": method,
        "method_label": rules.METHOD_LABELS.get(method, ""),
        "rows": rows,
        "files": detail.get("attachments", []) if isinstance(detail, dict) else [],
        "trace": selectors.batch_trace_of(user, c.number) if record["batch_trace"] else None,
    }
