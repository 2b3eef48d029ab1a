"""The petition preset (信访): its data is ``preset.yaml``, its demo ``demo.yaml``."""
