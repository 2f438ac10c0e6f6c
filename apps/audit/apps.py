from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("审计")
    name = "apps.audit"
    label = "audit"

    def ready(self):
        from . import scopes  # noqa: F401  (declares how this app's models map to an organization)
