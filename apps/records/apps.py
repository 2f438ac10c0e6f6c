from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("组织生活纪实")
    name = "apps.records"
    label = "records"

    def ready(self):
        from . import profile, scopes  # noqa: F401  (how its models map to an organization; its section of a member's profile)
