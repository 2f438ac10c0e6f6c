from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("党员")
    name = "apps.members"
    label = "members"

    def ready(self):
        from . import org_rules, scopes  # noqa: F401  (how this app's models map to an organization; its rules on organizations)
