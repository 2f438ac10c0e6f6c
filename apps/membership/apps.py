from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "apps.membership"
    verbose_name = _("党员发展与组织关系")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # each surface registers its scopes here
        from . import admission_scopes, discipline_history, flow_history, flow_scopes, history_profile, status_scopes, transfer_scopes  # noqa: F401,I001

        _register_job_kinds()


def _register_job_kinds():
    from django.urls import reverse

    from apps.core import jobs

    from . import transfer_pdf, transfer_services

    jobs.register_kind(transfer_services.LETTER_BATCH_JOB, section="membership", run=transfer_pdf.letter_batch_job,
                       retry=transfer_services.letter_batch_retry,
                       done_links=lambda job: [(_("返回介绍信列表"), reverse("membership:letters"))])
