from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("权限")
    name = "apps.access"
    label = "access"
