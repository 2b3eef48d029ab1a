"""The hospitality preset (酒店、旅游与汽车服务): its data is ``preset.yaml``, its demo ``demo.yaml``."""
