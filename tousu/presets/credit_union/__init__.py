"""The credit union preset (农村信用社客户投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
