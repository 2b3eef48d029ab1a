"""The preset in force: the one way complaints code reads preset data (STYLE §10).

``active()`` returns the preset named by ``settings.TOUSU_PRESET``. Code asks it for values
(``active().thresholds.group_threshold``) and never for the preset's name: behaviour differs
between presets only through their data.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tousu.presets import REGISTRY
from tousu.presets.base import Condition, Preset, PresetError

# Flags that intake sets by rule (services/intake.py): every preset must label them.
RULE_FLAGS = ("upgraded", "repeat", "group")

# Presets already checked, held so that an id is never reused for another preset.
_checked: dict[int, Preset] = {}


def active() -> Preset:
    """The preset in force, checked against the codes this package knows on first use."""
    preset = REGISTRY.get(settings.TOUSU_PRESET)
    if preset is None:
        raise ImproperlyConfigured(
            f"TOUSU_PRESET={settings.TOUSU_PRESET!r} is not a preset; choose from: {', '.join(REGISTRY)}"
        )
    if _checked.get(id(preset)) is not preset:
        check(preset)
        _checked[id(preset)] = preset
    return preset


def problems(preset: Preset) -> list[tuple[str, str]]:
    """(path, message) for every code in ``preset`` that this package does not know: what the
    preset's own validation cannot see, since ``tousu.presets`` imports nothing of complaints."""
    from tousu.complaints.models import Channel, DispatchMode, Kind, ReasonCode

    found: list[tuple[str, str]] = []
    for path, codes, known in (("channels", preset.channels, Channel.values), ("kinds", preset.kinds, Kind.values)):
        found += [(f"{path}.{i}", f"unknown code {code!r}") for i, code in enumerate(codes) if code not in known]
    coded: tuple[tuple[Condition, list[str]], ...] = (
        ("mode", DispatchMode.values),
        ("channel", Channel.values),
        ("kind", Kind.values),
    )
    for i, rule in enumerate(preset.deadlines):
        for key, known in coded:
            wanted = rule.when.get(key)
            values = wanted if isinstance(wanted, tuple) else () if wanted is None else (wanted,)
            found += [(f"deadlines.{i}.when.{key}", f"unknown code {v!r}") for v in values if v not in known]
    found += [
        ("reasons", f"unknown reason group {g!r}") for g in preset.reasons.groups() if g not in ReasonCode.Group.values
    ]
    found += [
        ("flags", f"missing {code!r}: intake sets it by rule") for code in RULE_FLAGS if code not in preset.flag_codes
    ]
    return found


def check(preset: Preset) -> None:
    """Raise ``PresetError`` naming the preset and the path of every unknown code."""
    found = problems(preset)
    if found:
        raise PresetError(preset.name, "tousu.complaints.preset.check", found)
