"""Routing (SPEC §7): the first active rule whose conditions all hold proposes a unit and a mode.

The centre sees the proposal and the rule that made it on the dispatch form, and confirms or
overrides it; the dispatch event records the rule either way.
"""
from __future__ import annotations

from dataclasses import dataclass

from tousu.accounts.models import Unit
from tousu.complaints.models import Complaint, RoutingRule


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
        (rule.respondent_units, lambda: _within(rule.respondent_units,
                                                [r.unit.path for r in respondents if r.unit], paths)),
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
