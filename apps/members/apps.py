from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "党员"
    name = "apps.members"
    label = "members"
