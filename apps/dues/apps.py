from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "apps.dues"
    verbose_name = _("党费与关怀基金")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import (
            scopes,  # noqa: F401  the scoped models and the capabilities
            standard_profile,  # noqa: F401  the dues section of a member's profile
        )
