from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "apps.membership"
    verbose_name = _("党员发展与组织关系")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # each surface registers its scopes here
        from . import admission_scopes, flow_history, flow_scopes, history_profile, status_scopes, transfer_scopes  # noqa: F401,I001
