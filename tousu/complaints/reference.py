"""A preset's reference rows: categories, grades and reason codes (SPEC §12).

Written by ``tousu init --preset`` (and the test fixture ``org``), never by a migration
(STYLE §7). Running it again changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from tousu.complaints.models import Category, Grade, ReasonCode
from tousu.complaints.preset import check
from tousu.presets.base import DeclineReason, Preset


@transaction.atomic
def load_preset(preset: Preset) -> dict[str, int]:
    """Insert or update the preset's categories, grades and reason codes; returns how many of each
    were new. Refuses (``PresetError``) a preset naming codes this package does not know."""
    check(preset)
    counts = {"categories": 0, "grades": 0, "reasons": 0}
    rows: dict[str, Category] = {}
    for category, parent in preset.walk_categories():  # parents first
        row, created = Category.objects.update_or_create(
            preset=preset.name,
            code=category.code,
            defaults={"name": category.name, "parent": rows[parent.code] if parent else None, "active": True},
        )
        rows[category.code] = row
        counts["categories"] += created
    # A category the preset no longer has stays for the complaints filed under it, unoffered.
    Category.objects.filter(preset=preset.name).exclude(code__in=rows).update(active=False)
    for rank, grade in enumerate(preset.grades):
        _, created = Grade.objects.update_or_create(
            preset=preset.name,
            code=grade.code,
            defaults={"name": grade.name, "rank": rank, "description": grade.description},
        )
        counts["grades"] += created
    for group, reasons in preset.reasons.groups().items():
        for reason in reasons:
            decline = reason if isinstance(reason, DeclineReason) else DeclineReason(**reason.model_dump())
            _, created = ReasonCode.objects.update_or_create(
                preset=preset.name,
                group=group,
                code=reason.code,
                defaults={
                    "name": reason.name,
                    "template": decline.template,
                    "needs_approval": decline.needs_approval,
                    "needs_forward": decline.needs_forward,
                },
            )
            counts["reasons"] += created
    return counts
