"""The bank preset (银行业消费投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
