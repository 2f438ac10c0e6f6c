from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("群工系统")
    name = "apps.cases"
    label = "cases"

    def ready(self):
        from django.db.models.signals import post_migrate

        from apps.core.errors import register_error_renderer

        from . import (
            intake_config,
            scopes,  # noqa: F401  (declares how this app's models map to an organization)
        )

        intake_config.connect()  # every write the configuration in memory rests on invalidates it

        from apps.core.workers import register_periodic

        from .rollups import compact_rollups

        register_periodic("case_rollups", compact_rollups, 3600)  # folds the monthly roll-ups' delta rows

        from django.conf import settings

        from .lapses import sweep_lapses

        # stores the overdue figures whose time has passed (the rankings' live part stays small)
        register_periodic("case_lapses", sweep_lapses, settings.CASE_LAPSE_SWEEP_SECONDS)

        from apps.orgs import hooks

        from .rollups import org_moving

        hooks.register_move_watcher("case_rollups", org_moving)  # a moved village's cases change township

        post_migrate.connect(_ensure_search_index, sender=self)
        register_error_renderer("/open311/", _open311_error)  # refusals on Open311 paths read as its error list


def _ensure_search_index(sender, using="default", **kwargs):
    # The text index's triggers do not survive SQLite rebuilding cases_case in a migration (apps.cases.search).
    from .search import ensure_index

    ensure_index(using)


def _open311_error(request, status, message):
    from .open311.format import errors

    return errors("xml" if request.path.endswith(".xml") else "json", status, [message])
