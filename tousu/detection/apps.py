from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "tousu.detection"
    label = "detection"
