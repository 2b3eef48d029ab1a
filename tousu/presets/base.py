"""A preset is data: categories, grades, reason codes, units and demo content (SPEC §12)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.db import transaction

from tousu.complaints.deadlines import Rule, RulePolicy
from tousu.complaints.models import Category, Grade, ReasonCode


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    categories: list[tuple[str, str, str]]  # (code, name, parent code or "")
    grades: list[tuple[str, str, str]]  # (code, name, description), lowest first
    reasons: dict[str, list[dict[str, Any]]]  # group → [{code, name, template, needs_approval, ...}]
    deadlines: list[Rule] = field(default_factory=list)
    demo: Callable[[], dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def policy(self) -> RulePolicy:
        return RulePolicy(self.deadlines)


@transaction.atomic
def load(preset: Preset) -> dict[str, int]:
    """Insert or update the preset's reference data; running it again changes nothing."""
    counts = {"categories": 0, "grades": 0, "reasons": 0}
    by_code: dict[str, Category] = {}
    for code, name, parent in preset.categories:
        cat, created = Category.objects.update_or_create(
            code=code, defaults={"name": name, "parent": by_code.get(parent), "preset": preset.name})
        by_code[code] = cat
        counts["categories"] += created
    for rank, (code, name, description) in enumerate(preset.grades):
        _, created = Grade.objects.update_or_create(
            code=code, defaults={"name": name, "rank": rank, "description": description, "preset": preset.name})
        counts["grades"] += created
    for group, rows in preset.reasons.items():
        for row in rows:
            _, created = ReasonCode.objects.update_or_create(
                group=group, code=row["code"], defaults={
                    "name": row["name"], "template": row.get("template", ""),
                    "needs_approval": row.get("needs_approval", False),
                    "needs_forward": row.get("needs_forward", False), "preset": preset.name})
            counts["reasons"] += created
    return counts
