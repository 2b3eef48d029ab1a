"""The securities preset (证券公司投资者投诉): its data is ``preset.yaml``, its demo ``demo.yaml``."""
