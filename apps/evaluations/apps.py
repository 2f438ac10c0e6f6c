from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("民主评议党员")
    name = "apps.evaluations"
    label = "evaluations"

    def ready(self):
        from . import profile, scopes  # noqa: F401  (how its models map to an organization; its section of a member's profile)
