from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("组织生活纪实")
    name = "apps.records"
    label = "records"

    def ready(self):
        from . import profile, scopes  # noqa: F401  (how its models map to an organization; its section of a member's profile)
        _register_job_kinds()

        from apps.orgs import hooks

        from . import fulfilment_rollups, plan_counts
        from .rollups import org_moving

        # A moved subtree's rows change ancestors. The after-move steps run in this order, the order in which the
        # record services write the same tables (Fulfilment roll-ups in _fulfil, then the month roll-ups in
        # rollups.Change.done): in another order a move and a submit beside it deadlocked (review, reproduced).
        hooks.register_move_watcher("fulfilment_rollups", fulfilment_rollups.org_moving)
        hooks.register_move_watcher("record_rollups", org_moving)  # holds the moved organization FOR UPDATE first
        hooks.register_move_watcher("plan_day_counts", plan_counts.org_moving)  # and its planned days too
        # The Fulfilment roll-ups are keyed by the holders' domain and class, which an organization write changes.
        hooks.register_class_watcher("fulfilment_rollups", fulfilment_rollups.class_changed)


def _register_job_kinds():
    from urllib.parse import urlencode

    from django.urls import reverse

    from apps.core import jobs

    def back_to_table(job):
        query = urlencode({"org": job.params.get("org", ""), "period": job.params.get("period", "")})
        return [(_("返回完成情况"), f"{reverse('records:compliance')}?{query}")]

    from . import services

    jobs.register_kind("compliance_export", section="compliance", run=services.compliance_export_job,
                       retry=services.compliance_export_retry, done_links=back_to_table)
