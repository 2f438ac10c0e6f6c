from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "apps.ballots"
    verbose_name = _("民主测评与问卷")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # the scoped models and the capabilities; 三述: the reports' scopes and the check before a vote opens
        from . import report_scopes, report_services, scopes  # noqa: F401
