from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    verbose_name = _("考核评价")
    name = "apps.assessment"
    label = "assessment"

    def ready(self):
        # round_scopes before result_scopes: a publication is scoped by its round.
        from . import cross_scopes, duty_scopes, honour_scopes, pay_scopes, round_scopes, scopes  # noqa: F401, I001  (declares how this app's models map to an organization)
        from . import result_scopes  # noqa: F401
        _register_job_kinds()
        _register_feeds()
        from apps.core.workers import register_periodic

        from .round_tasks import rounds_due

        register_periodic("assessment_rounds_due", rounds_due, 60)  # rounds open and close at their set times


def _register_job_kinds():
    from django.urls import reverse

    from apps.core import jobs

    from . import round_services

    jobs.register_kind(round_services.SCORING_KIND, section="assessment", run=round_services.scoring_job,
                       retry=round_services.scoring_retry,
                       done_links=lambda job: [(_("查看考核轮次"), reverse("assessment:round_detail", args=[job.params["round"]]))])


def _register_feeds():
    from . import duty_selectors, feeds, honour_selectors

    # Sources of deduction and bonus items (feeds.py); other apps register theirs from their own ready().
    feeds.register(duty_selectors.VIOLATIONS_FEED, _("负面清单检查：违反"), duty_selectors.violations)
    feeds.register(honour_selectors.AWARDS_FEED, _("示范创建：获评表彰"), honour_selectors.award_items)
