"""The pharma preset (药品质量投诉, GMP): its data is ``preset.yaml``, its demo ``demo.yaml``."""
