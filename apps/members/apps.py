from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("党员")
    name = "apps.members"
    label = "members"

    def ready(self):
        from . import org_rules, scopes  # noqa: F401  (how this app's models map to an organization; its rules on organizations)
        _register_job_kinds()


def _register_job_kinds():
    from django.urls import reverse

    from apps.core import jobs

    from . import imports

    jobs.register_kind("member_import", section="import", run=imports.import_job, retry=imports.member_job_retry,
                       done_links=lambda job: [(_("查看党员名册"), reverse("members:list"))],
                       retry_link=lambda job: (_("重新导入"), reverse("members:import")))
    jobs.register_kind("member_export", section="members", run=imports.export_job, retry=imports.member_job_retry)
