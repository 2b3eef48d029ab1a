"""The manufacturing preset (产品质量投诉, 8D): its data is ``preset.yaml``, its demo ``demo.yaml``."""
