from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "apps.ballots"
    verbose_name = _("民主测评与问卷")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from apps.core.workers import register_periodic

        # the scoped models and the capabilities; 三述: the reports' scopes and the check before a vote opens
        from . import report_scopes, report_services, scopes  # noqa: F401
        from .poll_tasks import archive_due_polls, close_due_polls

        register_periodic("ballots_close_due", close_due_polls, 60)  # a vote past its closing time is counted
        register_periodic("ballots_archive_due", archive_due_polls, 3600)  # a 公示 past its period is archived
