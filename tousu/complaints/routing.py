"""Routing (SPEC §7): the first active rule whose conditions all hold proposes a unit and a mode.

The centre sees the proposal and the rule that made it on the dispatch form, and confirms or
overrides it; the dispatch event records the rule either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tousu.accounts.models import Unit, User
from tousu.complaints.models import Complaint, RoutingRule
from tousu.core.errors import NotFound, ValidationFailed


@dataclass(frozen=True)
class Proposal:
    unit: Unit
    mode: str
    redacted: bool
    rule: str  # the rule's name
    rule_id: int


def _within(codes: list[str], unit_paths: list[str], paths: dict[str, str]) -> bool:
    """Whether any of ``unit_paths`` lies in the subtree of a unit named in ``codes``."""
    roots = [paths[c] for c in codes if c in paths]
    return any(p.startswith(r) for p in unit_paths for r in roots)


def _category_codes(complaint: Complaint) -> set[str]:
    codes = set()
    cat = complaint.category
    while cat is not None:
        codes.add(cat.code)
        cat = cat.parent
    return codes


def matches(rule: RoutingRule, complaint: Complaint, respondents: list, paths: dict[str, str]) -> bool:
    text = f"{complaint.summary}\n{complaint.content}"
    checks = (
        (rule.categories, lambda: bool(_category_codes(complaint) & set(rule.categories))),
        (rule.channels, lambda: complaint.channel in rule.channels),
        (rule.keywords, lambda: any(k and k in text for k in rule.keywords)),
        (rule.regions, lambda: any(r and r in complaint.place for r in rule.regions)),
        (
            rule.respondent_units,
            lambda: _within(rule.respondent_units, [r.unit.path for r in respondents if r.unit], paths),
        ),
        (rule.respondent_ranks, lambda: any(r.rank in rule.respondent_ranks for r in respondents)),
        (rule.products, lambda: any(p and p in r.product_name for r in respondents for p in rule.products)),
    )
    return all(test() for condition, test in checks if condition)


def propose(complaint: Complaint) -> Proposal | None:
    """The proposal for ``complaint``, or None when no rule applies."""
    rules = list(RoutingRule.objects.filter(active=True).select_related("unit"))
    if not rules:
        return None
    respondents = list(complaint.respondents.select_related("unit"))
    paths = dict(Unit.objects.values_list("code", "path"))
    for rule in rules:
        if not matches(rule, complaint, respondents, paths):
            continue
        unit = rule.unit or next((r.unit for r in respondents if r.unit and r.unit.active), None)
        if unit is None or not unit.active:
            continue
        return Proposal(unit=unit, mode=rule.mode, redacted=rule.redacted, rule=rule.name, rule_id=rule.pk)
    return None


# -- administration --------------------------------------------------------------------------------
LIST_FIELDS = ("categories", "respondent_units", "respondent_ranks", "products", "regions", "channels", "keywords")


def _words(value: Any, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = re.split(r"[,,;;\s]+", value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(_("须是文字列表"), field=field)
    words = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(words) > 50 or any(len(w) > 100 for w in words):
        raise ValidationFailed(_("条件过多或过长"), field=field)
    return words


def _known(words: list[str], known: set[str], field: str) -> list[str]:
    unknown = [w for w in words if w not in known]
    if unknown:
        raise ValidationFailed(_("未知的取值：%(v)s") % {"v": ", ".join(unknown)}, field=field)
    return words


@transaction.atomic
def save_rule(*, actor: User, rule_id: int | None = None, **data: Any) -> RoutingRule:
    """Create a routing rule or replace one's settings; administrators only, logged."""
    from tousu.accounts.services import log, require_admin
    from tousu.complaints.models import Category, Channel, DispatchMode

    require_admin(actor)
    rule = RoutingRule() if rule_id is None else RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("分办规则 %(id)s 不存在") % {"id": rule_id})
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(_("请填写规则名称（不超过120字）"), field="name")
    try:
        priority = int(data.get("priority", 100))
    except (TypeError, ValueError):
        raise ValidationFailed(_("优先级须是整数"), field="priority") from None
    if not 0 <= priority <= 9999:
        raise ValidationFailed(_("优先级须在 0–9999 之间"), field="priority")
    mode = data.get("mode") or ""
    if mode not in DispatchMode.values:
        raise ValidationFailed(_("请选择分办方式"), field="mode", allowed=list(DispatchMode.values))
    unit = None
    if data.get("unit"):
        unit = Unit.objects.filter(code=data["unit"], active=True).first()
        if unit is None:
            raise ValidationFailed(_("未知或已停用的单位：%(code)s") % {"code": data["unit"]}, field="unit")
    lists = {f: _words(data.get(f), f) for f in LIST_FIELDS}
    _known(lists["categories"], set(Category.objects.in_force().values_list("code", flat=True)), "categories")
    _known(lists["respondent_units"], set(Unit.objects.values_list("code", flat=True)), "respondent_units")
    _known(lists["channels"], set(Channel.values), "channels")
    for f, words in lists.items():
        setattr(rule, f, words)
    rule.name, rule.priority, rule.mode, rule.unit = name, priority, mode, unit
    rule.redacted = bool(data.get("redacted", True))
    rule.active = bool(data.get("active", True))
    rule.save()
    log(actor, "save_routing_rule", str(rule.pk), rule_row(rule))
    return rule


@transaction.atomic
def delete_rule(*, actor: User, rule_id: int) -> None:
    """Remove a rule (the dispatch events that cite it keep its name)."""
    from tousu.accounts.services import log, require_admin

    require_admin(actor)
    rule = RoutingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("分办规则 %(id)s 不存在") % {"id": rule_id})
    log(actor, "delete_routing_rule", str(rule_id), rule_row(rule))
    rule.delete()


def rule_row(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "priority": rule.priority,
        "active": rule.active,
        **{f: getattr(rule, f) for f in LIST_FIELDS},
        "unit": rule.unit.code if rule.unit else None,
        "mode": rule.mode,
        "redacted": rule.redacted,
    }
