from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "基础"
    name = "apps.core"
    label = "core"
