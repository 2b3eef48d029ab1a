"""The 12345 hotline preset (12345政务服务便民热线): its data is ``preset.yaml``, its demo ``demo.yaml``."""
