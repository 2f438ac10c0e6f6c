from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("考核评价")
    name = "apps.assessment"
    label = "assessment"

    def ready(self):
        from . import pay_scopes, round_scopes, scopes  # noqa: F401  (declares how this app's models map to an organization)
        _register_job_kinds()


def _register_job_kinds():
    from django.urls import reverse

    from apps.core import jobs

    from . import round_services

    jobs.register_kind(round_services.SCORING_KIND, section="assessment", run=round_services.scoring_job,
                       retry=round_services.scoring_retry,
                       done_links=lambda job: [(_("查看考核轮次"), reverse("assessment:round_detail", args=[job.params["round"]]))])
