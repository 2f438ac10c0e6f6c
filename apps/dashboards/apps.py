from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    """The pages that read across the domain apps: the home dashboard and the audit log. No models of its own."""

    verbose_name = _("工作台")
    name = "apps.dashboards"
    label = "dashboards"
