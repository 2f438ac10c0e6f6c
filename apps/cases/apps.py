from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("群工系统")
    name = "apps.cases"
    label = "cases"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_search_index, sender=self)


def _ensure_search_index(sender, using="default", **kwargs):
    # The text index's triggers do not survive SQLite rebuilding cases_case in a migration (apps.cases.search).
    from .search import ensure_index

    ensure_index(using)
