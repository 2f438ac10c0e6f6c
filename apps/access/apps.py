from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "权限"
    name = "apps.access"
    label = "access"
