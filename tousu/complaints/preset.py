"""The preset in force: the one way complaints code reads preset data (STYLE §10).

``active()`` returns the preset in force. Code asks it for values
(``active().thresholds.group_threshold``) and never for the preset's name: behaviour differs
between presets only through their data.

Where it comes from (SPEC §12): after ``tousu init`` the database is authoritative — the
``PresetState`` row holds the whole preset, as shipped and then revised by the administrators.
``refresh()`` reads one small row at most once a second, so a change made in one process reaches
the others within a second. It runs in every job, and in every request that reads the preset: the
request middleware (``tousu.web.middleware``) only marks the request, and the first ``active()`` of
a marked request refreshes, so a request that needs no preset (static files, the API document)
never touches the database for it.
Before ``init`` (and in tests that do not store one) it is the shipped preset named by
``settings.TOUSU_PRESET``.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import translation

from tousu.presets import REGISTRY
from tousu.presets.base import Condition, Preset, PresetError, parse

# Flags that intake sets by rule (services/intake.py): every preset must label them.
RULE_FLAGS = ("upgraded", "repeat", "group")

# Presets already checked, held so that an id is never reused for another preset.
_checked: dict[int, Preset] = {}


# What refresh() last read: the stored preset and its revision, and when it looked.
_stored: dict[str, Any] = {"preset": None, "revision": None, "looked": float("-inf")}
REFRESH_SECONDS = 1.0


def refresh(*, now: float | None = None, force: bool = False) -> None:
    """Read the stored preset if it changed; at most once every ``REFRESH_SECONDS``."""
    from tousu.complaints.models import PresetState

    now = time.monotonic() if now is None else now
    if not force and now - _stored["looked"] < REFRESH_SECONDS:
        return
    _stored["looked"] = now
    row = PresetState.objects.filter(pk=1).values("revision").first()
    if row is None:
        _stored.update(preset=None, revision=None)
    elif row["revision"] != _stored["revision"]:
        state = PresetState.objects.get(pk=1)
        _stored.update(
            preset=parse(state.data, source=f"database (revision {state.revision})"), revision=state.revision
        )


def forget() -> None:
    """Drop what refresh() read (tests; a process that must look again at once)."""
    _stored.update(preset=None, revision=None, looked=float("-inf"))


def stored() -> Preset | None:
    """The preset the database holds, read now (None before ``tousu init``)."""
    refresh(force=True)
    return _stored["preset"]


@transaction.atomic
def store(preset: Preset, *, by: str) -> int:
    """Make ``preset`` the one in force, checked and with its reference rows; returns the new
    revision. Every process picks it up at its next refresh."""
    from tousu.complaints.models import PresetState
    from tousu.complaints.reference import load_preset

    check(preset)
    load_preset(preset)
    data = preset.model_dump(mode="json", by_alias=True)
    row = PresetState.objects.select_for_update().filter(pk=1).first()
    if row is None:
        row = PresetState.objects.create(pk=1, name=preset.name, data=data, updated_by=by)
    else:
        row.name, row.data, row.revision, row.updated_by = preset.name, data, row.revision + 1, by
        row.save()
    transaction.on_commit(forget)
    _stored.update(preset=preset, revision=row.revision, looked=time.monotonic())
    return row.revision


_request = threading.local()  # .pending: a request began and has not refreshed yet


def mark_request(pending: bool = True) -> None:
    """A request begins (its first ``active()`` refreshes) or ends (nothing left to refresh for)."""
    _request.pending = pending


def active() -> Preset:
    """The preset in force, checked against the codes this package knows on first use."""
    if getattr(_request, "pending", False):
        _request.pending = False
        refresh()
    if _stored["preset"] is not None:
        return _stored["preset"]
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
    from tousu.accounts.models import Role
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
    found += [
        (f"dispatch_modes.{i}", f"unknown code {code!r}")
        for i, code in enumerate(preset.dispatch_modes)
        if code not in DispatchMode.values
    ]
    labelled: tuple[tuple[str, dict[str, str], list[str]], ...] = (
        ("roles", preset.labels.roles, Role.values),
        ("contact_reveal_roles", dict.fromkeys(preset.contact_reveal_roles, ""), Role.values),
        ("kinds", preset.labels.kinds, Kind.values),
        ("channels", preset.labels.channels, Channel.values),
    )
    for group, labels, known in labelled:
        where = group if group == "contact_reveal_roles" else f"labels.{group}"
        found += [(f"{where}.{code}", f"unknown code {code!r}") for code in labels if code not in known]
    return found


def check(preset: Preset) -> None:
    """Raise ``PresetError`` naming the preset and the path of every unknown code."""
    found = problems(preset)
    if found:
        raise PresetError(preset.name, "tousu.complaints.preset.check", found)


def own_label(group: Literal["roles", "kinds", "channels"], code: str, default: str) -> str:
    """The preset's own name for a role, kind or channel (the credit union's centre is 监察室), in
    Chinese; ``default`` (the code's translated label) where the preset has none or the user reads
    another language."""
    if not (translation.get_language() or "zh-hans").startswith("zh"):
        return default
    return getattr(active().labels, group).get(code, default)
