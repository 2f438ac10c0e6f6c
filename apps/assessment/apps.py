from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("考核评价")
    name = "apps.assessment"
    label = "assessment"

    def ready(self):
        from . import scopes  # noqa: F401  (declares how this app's models map to an organization)
