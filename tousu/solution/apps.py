from django.apps import AppConfig


class SolutionConfig(AppConfig):
    name = "tousu.solution"
    label = "solution"
    verbose_name = "处理方案与补偿"
