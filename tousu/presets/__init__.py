"""The presets shipped with tousu, registered explicitly (STYLE §1).

Each preset is validated when this package is imported (``base.parse``). Code in
``tousu.complaints`` reads the preset in force through ``tousu.complaints.preset.active``.
"""

from tousu.presets.base import Preset
from tousu.presets.government import PRESET as GOVERNMENT

REGISTRY: dict[str, Preset] = {GOVERNMENT.name: GOVERNMENT}

# Each preset's demo module (``base.Demo``), imported only by ``tousu init --demo``: demo modules
# make users and units, which needs the app registry, and a preset's data must load without it.
DEMOS: dict[str, str] = {GOVERNMENT.name: "tousu.presets.government.demo"}
