"""The consumer preset (12315消费投诉举报): its data is ``preset.yaml``, its demo ``demo.yaml``."""
