"""The government preset (行政效能投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
