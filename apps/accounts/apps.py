from django.apps import AppConfig


class Config(AppConfig):
    verbose_name = "账号"
    name = "apps.accounts"
    label = "accounts"
