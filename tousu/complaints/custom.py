"""A preset's own fields on a complaint (SPEC §12): plate, contract, order or batch number…

The preset defines them (``tousu.presets.base.CustomField``: type, pattern, choices, whether
required, whether identifying); this module checks the values a face sends, filters the list by
them and labels them for the pages and exports. Values are stored as strings in
``Complaint.custom``, keyed by the field's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tousu.complaints.preset import active
from tousu.core.errors import ValidationFailed
from tousu.presets.base import CustomField

HIDDEN = "（已隐去）"


def fields() -> tuple[CustomField, ...]:
    return active().custom_fields


def clean(values: Mapping[str, Any]) -> dict[str, str]:
    """The values as stored, blanks left out; ``ValidationFailed`` names the first bad field."""
    known = {f.code: f for f in fields()}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValidationFailed(
            _("未知的自定义字段：%(f)s") % {"f": "、".join(unknown)}, field=f"custom.{unknown[0]}", allowed=list(known)
        )
    cleaned: dict[str, str] = {}
    for code, field in known.items():
        try:
            value = field.check(values.get(code))
        except ValueError as err:
            raise ValidationFailed(f"{field.label}：{err}", field=f"custom.{code}") from None
        if value:
            cleaned[code] = value
    return cleaned


def shown(custom: Mapping[str, str], *, identity: bool) -> list[tuple[str, str, str]]:
    """(code, label, value) of every field of the preset that has a value, in the preset's order;
    an identifying field's value is hidden from one who may not see the identity. A value kept
    under a code the preset no longer has is shown under its code, so nothing stored is lost."""
    rows = [
        (f.code, f.label, custom[f.code] if identity or not f.identifying else HIDDEN)
        for f in fields()
        if custom.get(f.code)
    ]
    known = {f.code for f in fields()}
    return rows + [(code, code, value) for code, value in custom.items() if code not in known and identity]


def hide(custom: Mapping[str, str]) -> dict[str, str]:
    """``custom`` with the identifying fields' values hidden (the redacted view)."""
    identifying = {f.code for f in fields() if f.identifying}
    return {code: HIDDEN if code in identifying else value for code, value in custom.items()}


def filter_q(terms: Mapping[str, str], *, hidden: Q) -> Q:
    """Complaints whose custom fields match every term: a text field by part of its value, the
    others exactly. An identifying field matches only among the complaints outside ``hidden``
    (those whose identity the user sees), so that a search never confirms who complained."""
    known = {f.code: f for f in fields()}
    q = Q()
    for code, value in terms.items():
        field = known.get(code)
        if field is None:
            raise ValidationFailed(
                _("未知的自定义字段：%(f)s") % {"f": code}, field=f"custom.{code}", allowed=list(known)
            )
        value = value.strip()
        if not value:
            continue
        match = Q(**{f"custom__{code}__icontains" if field.type == "text" else f"custom__{code}": value})
        q &= ~hidden & match if field.identifying else match
    return q


def parse_terms(raw: list[str]) -> dict[str, str]:
    """``["plate:粤A12345"]`` (the API's and the list's ``custom`` parameter; a full-width colon
    is taken as well) as a mapping."""
    terms: dict[str, str] = {}
    for item in raw:
        code, sep, value = item.replace("：", ":", 1).partition(":")
        if not sep:
            raise ValidationFailed(_("自定义字段条件应写作「字段编码：值」"), field="custom")
        terms[code.strip()] = value
    return terms
