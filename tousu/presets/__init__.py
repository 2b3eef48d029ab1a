"""The presets shipped with tousu, registered explicitly (STYLE §1)."""
from tousu.presets.base import Preset
from tousu.presets.government import PRESET as GOVERNMENT

REGISTRY: dict[str, Preset] = {GOVERNMENT.name: GOVERNMENT}
