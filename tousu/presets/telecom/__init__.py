"""The telecom preset (电信业务投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
