"""The presets shipped with tousu, one folder each, registered explicitly (STYLE §1).

A preset is a folder here with a ``preset.yaml``; the folder holds ``preset.yaml`` (the preset, validated by ``base.Preset``), ``demo.yaml``
(its demo organisation, validated by ``demo.DemoData``) and ``tests/``. Every preset is read and
validated when this package is imported; a broken file stops the import with the file, the path
inside it and the reason. Code in ``tousu.complaints`` reads the preset in force through
``tousu.complaints.preset.active``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tousu.presets.base import Preset, PresetError, load_folder

if TYPE_CHECKING:
    from tousu.presets.demo import DemoData

FOLDER = Path(__file__).resolve().parent

# The order `tousu init --help` and the documentation list presets in; a folder with a
# ``preset.yaml`` that is not named here comes after these, in alphabetical order.
ORDER = (
    "government", "petition", "hotline", "consumer", "bank", "credit_union", "securities",
    "telecom", "pharma", "manufacturing", "property", "hospitality",
)  # fmt: skip
NAMES = tuple(
    sorted(
        (path.parent.name for path in FOLDER.glob("*/preset.yaml")),
        key=lambda name: (ORDER.index(name) if name in ORDER else len(ORDER), name),
    )
)

REGISTRY: dict[str, Preset] = {}
# A folder whose file does not validate is kept out of the registry with its error, so that one
# broken file does not stop every command: ``tousu init`` and ``tousu preset`` refuse it by name,
# and Django's system checks report it (tousu.complaints.checks).
BROKEN: dict[str, PresetError] = {}
for _name in NAMES:
    try:
        REGISTRY[_name] = load_folder(FOLDER / _name)
    except PresetError as _err:
        BROKEN[_name] = _err


@cache
def demo_data(name: str) -> DemoData:
    """The demo organisation of preset ``name``, validated against the preset (needs Django's app
    registry, so it is read on first use and not at import)."""
    from tousu.presets.demo import load_demo

    return load_demo(FOLDER / name, REGISTRY[name])
