from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("账号")
    name = "apps.accounts"
    label = "accounts"
