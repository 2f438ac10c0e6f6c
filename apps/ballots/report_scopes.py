"""How the reports of a 三述一评 are scoped (imported from AppConfig.ready()).

A report, its attachments and the leader's comment are in scope exactly when their poll is (children of the poll,
through `subject__poll`, as scoping.register_child does) — and, for reading (BALLOT_VIEW), to the subject's reporter:
the leader reads their own reports and the comment on them from their own account, whatever role it holds. Writing
is checked on the row in hand by report_services (the reporter writes the reports, BALLOT_MANAGE the comment)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .models import Poll
from .report_models import LeaderComment, Report, ReportFile
from .scopes import BALLOT_VIEW


def _walk(obj, lookup):
    for part in lookup.split("__"):
        obj = getattr(obj, part)
    return obj


def _register(model, *, to_subject, label):
    """`to_subject`: the lookup from the model to its subject ("subject", "report__subject")."""
    via = f"{to_subject}__poll"
    parent = scoping.scope_of(Poll)

    def visible(user, capability):
        q = policy.child_q(Poll, via, user, capability)
        if not q.children and not q.negated:  # everything: nothing to add
            return q
        if capability == BALLOT_VIEW and getattr(user, "is_authenticated", False) and user.is_active:
            q = q | Q(**{f"{to_subject}__reporter": user.pk})
        return q

    def check(user, capability, obj):
        subject = _walk(obj, to_subject)
        if policy.can(user, capability, subject.poll):
            return True
        return (capability == BALLOT_VIEW and getattr(user, "is_authenticated", False) and user.is_active
                and subject.reporter_id == user.pk)

    related = (*(f"{via}__{r}" for r in parent.related), via)
    scoping.register(model, org_path=f"{via}__{parent.org_path}", view=parent.view, label=label,
                     related=tuple(dict.fromkeys(related)), aliases=parent.aliases, visible=visible, check=check)


_register(Report, to_subject="subject", label=_("述职述学述廉报告"))
_register(ReportFile, to_subject="report__subject", label=_("报告附件"))
_register(LeaderComment, to_subject="subject", label=_("领导点评"))
