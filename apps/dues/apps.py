from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "apps.dues"
    verbose_name = _("党费与关怀基金")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from apps.access import policy
        from apps.access.models import Role

        from . import (
            scopes,  # noqa: F401  the scoped models and the capabilities
            standard_profile,  # noqa: F401  the dues section of a member's profile
        )

        # The survey evaluator's confined platform includes the public pages anyone opens: the fund's summary too.
        policy.confine_role(Role.SURVEY_EVALUATOR, namespaces=("funds",))
