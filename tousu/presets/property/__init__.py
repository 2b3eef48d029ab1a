"""The property preset (物业管理与房地产客户投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
