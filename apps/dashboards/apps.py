from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    """The pages that read across the domain apps: the home dashboard and the audit log. No models of its own."""

    verbose_name = _("工作台")
    name = "apps.dashboards"
    label = "dashboards"

    def ready(self):
        from django.urls import reverse

        from apps.core import jobs

        from . import services

        jobs.register_kind(services.AUDIT_EXPORT, section="audit", run=services.audit_export_job,
                           retry=services.audit_export_retry,
                           done_links=lambda job: [(_("返回审计记录"), reverse("audit:list"))])
