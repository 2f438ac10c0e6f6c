from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "演示数据"
    name = "apps.demo"
    label = "demo"
